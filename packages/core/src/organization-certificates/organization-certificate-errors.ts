import { BadRequestError, ConflictError, NotFoundError } from "../errors";

/** An unknown certificate ID, naming the input field that held it. */
export class OrganizationCertificateNotFoundError extends NotFoundError {
  constructor(
    id: string,
    readonly field: string,
  ) {
    super("Certificate", id);
  }
}

/** Why a certificate's state forbids the request. */
export type OrganizationCertificateStateReason =
  | "certificate_revoked"
  | "certificate_not_deletable"
  | "certificate_active";

/** A request the certificate's state forbids (deleting an active one, say): HTTP 400. */
export class OrganizationCertificateStateError extends BadRequestError {
  constructor(
    message: string,
    field: string,
    readonly reason: OrganizationCertificateStateReason,
  ) {
    super(message, field);
  }
}

/** The same certificate (same SHA-256 fingerprint) is already known: HTTP 409. */
export class DuplicateCertificateError extends ConflictError {
  readonly field = "content";
}
