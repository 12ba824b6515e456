import { PkiError } from "./errors";

/**
 * Revocation reasons under the names Infisical's API uses, with their RFC 5280 5.3.1
 * CRLReason codes. 7 is unassigned, and removeFromCRL (8) only belongs in delta CRLs, which
 * certq does not issue.
 */
export const REVOCATION_REASONS = {
  UNSPECIFIED: 0,
  KEY_COMPROMISE: 1,
  CA_COMPROMISE: 2,
  AFFILIATION_CHANGED: 3,
  SUPERSEDED: 4,
  CESSATION_OF_OPERATION: 5,
  CERTIFICATE_HOLD: 6,
  PRIVILEGE_WITHDRAWN: 9,
  A_A_COMPROMISE: 10,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

/**
 * The CRLReason code to encode, or null for UNSPECIFIED: RFC 5280 5.3.1 says to leave the
 * reason out rather than write unspecified. Throws PkiError on `field` for an unknown reason.
 */
export function reasonCodeToEncode(reason: RevocationReason, field: string): number | null {
  // hasOwn, so that "toString" and friends are not reasons.
  if (typeof reason !== "string" || !Object.hasOwn(REVOCATION_REASONS, reason)) {
    throw new PkiError(`unknown revocation reason ${JSON.stringify(reason)}`, field);
  }
  const code = REVOCATION_REASONS[reason];
  return code === REVOCATION_REASONS.UNSPECIFIED ? null : code;
}
