import { BadRequestError, ConflictError, NotFoundError } from "../errors";

/** An unknown certificate ID, naming the input field that held it. */
export class OrganizationCertificateNotFoundError extends NotFoundError {
  readonly code = "not_found";
  constructor(
    id: string,
    readonly field: string,
  ) {
    super("Certificate", id);
  }
}

/** A request the certificate's state forbids (deleting an active one, say): HTTP 400. */
export class OrganizationCertificateStateError extends BadRequestError {
  constructor(
    message: string,
    field: string | undefined,
    readonly code: string,
  ) {
    super(message, field);
  }
}

/** The same certificate (same SHA-256 fingerprint) is already known: HTTP 409. */
export class DuplicateCertificateError extends ConflictError {
  readonly code = "certificate_already_exists";
  readonly field = "content";
}
