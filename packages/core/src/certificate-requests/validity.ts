import type { CertificateAuthorityRow } from "@certq/db";
import { BadRequestError } from "../errors";
import type { RequestParams } from "./request-schemas";

/**
 * Leaf certificates start this much before the moment of signing, so a relying party whose
 * clock runs slightly behind ours does not reject a brand-new certificate.
 */
export const CLOCK_SKEW_MS = 60_000;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
  /** The lifetime that policy's maxTtl is checked against. */
  lifetimeMs: number;
}

/**
 * notAfter wins over ttl. The validity must lie inside the CA's: a request that does not
 * fit is refused, never silently shortened. Only our own backdating yields to the CA's start.
 */
export function computeValidity(
  params: Pick<RequestParams, "notBefore" | "notAfter" | "ttlMs">,
  ca: Pick<CertificateAuthorityRow, "notBefore" | "notAfter" | "id">,
  now: Date,
): Validity {
  const explicitStart = params.notBefore ? new Date(params.notBefore) : undefined;
  let notBefore = explicitStart ?? new Date(now.getTime() - CLOCK_SKEW_MS);
  if (!explicitStart && ca.notBefore && notBefore < ca.notBefore) notBefore = ca.notBefore;
  const start = explicitStart ?? now;

  let notAfter: Date;
  if (params.notAfter) notAfter = new Date(params.notAfter);
  else if (params.ttlMs) notAfter = new Date(start.getTime() + params.ttlMs);
  else
    throw new BadRequestError(
      "ttl is required: neither the request nor the profile gives one",
      "ttl",
    );

  if (notAfter <= notBefore) {
    throw new BadRequestError(
      `notAfter (${notAfter.toISOString()}) must be after notBefore (${notBefore.toISOString()})`,
      "notAfter",
    );
  }
  if (notAfter <= now) {
    throw new BadRequestError(`notAfter (${notAfter.toISOString()}) is in the past`, "notAfter");
  }
  if (ca.notBefore && notBefore < ca.notBefore) {
    throw new BadRequestError(
      `notBefore (${notBefore.toISOString()}) is before the CA's notBefore (${ca.notBefore.toISOString()})`,
      "notBefore",
    );
  }
  if (ca.notAfter && notAfter > ca.notAfter) {
    throw new BadRequestError(
      `the certificate would expire (${notAfter.toISOString()}) after its CA (${ca.notAfter.toISOString()}); ask for a shorter ttl or notAfter`,
      params.notAfter ? "notAfter" : "ttl",
    );
  }
  return { notBefore, notAfter, lifetimeMs: notAfter.getTime() - start.getTime() };
}
