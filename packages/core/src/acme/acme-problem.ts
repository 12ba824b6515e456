/** The ACME error types certq answers with (RFC 8555 6.7, RFC 8737, RFC 9773). */
export type AcmeProblemType =
  | "accountDoesNotExist"
  | "alreadyReplaced"
  | "alreadyRevoked"
  | "badCSR"
  | "badNonce"
  | "badPublicKey"
  | "badRevocationReason"
  | "badSignatureAlgorithm"
  | "connection"
  | "dns"
  | "externalAccountRequired"
  | "incorrectResponse"
  | "invalidContact"
  | "malformed"
  | "orderNotReady"
  | "rateLimited"
  | "rejectedIdentifier"
  | "serverInternal"
  | "tls"
  | "unauthorized"
  | "unsupportedContact"
  | "unsupportedIdentifier";

export const ACME_ERROR_PREFIX = "urn:ietf:params:acme:error:";

const DEFAULT_STATUS: Partial<Record<AcmeProblemType, number>> = {
  accountDoesNotExist: 400,
  alreadyReplaced: 409,
  orderNotReady: 403,
  unauthorized: 403,
  rateLimited: 429,
  serverInternal: 500,
};

/** An RFC 7807 problem document with an ACME type. */
export interface AcmeProblemDocument {
  type: string;
  detail: string;
  status: number;
  subproblems?: { type: string; detail: string; identifier: { type: string; value: string } }[];
  /** badSignatureAlgorithm: what the server accepts (RFC 8555 6.2). */
  algorithms?: string[];
}

/**
 * An ACME request refused: the API answers it as application/problem+json. Knows nothing
 * of HTTP beyond the status the RFC asks for.
 */
export class AcmeProblem extends Error {
  readonly status: number;
  constructor(
    readonly problemType: AcmeProblemType,
    detail: string,
    options: {
      status?: number;
      subproblems?: AcmeProblemDocument["subproblems"];
      algorithms?: string[];
      /** Seconds, for rateLimited. */
      retryAfter?: number;
      /** An existing resource a 409 points at (key change to a key in use). */
      location?: string;
    } = {},
  ) {
    super(detail);
    this.name = "AcmeProblem";
    this.status = options.status ?? DEFAULT_STATUS[problemType] ?? 400;
    this.subproblems = options.subproblems;
    this.algorithms = options.algorithms;
    this.retryAfter = options.retryAfter;
    this.location = options.location;
  }
  readonly subproblems?: AcmeProblemDocument["subproblems"];
  readonly algorithms?: string[];
  readonly retryAfter?: number;
  readonly location?: string;

  toDocument(): AcmeProblemDocument {
    return {
      type: `${ACME_ERROR_PREFIX}${this.problemType}`,
      detail: this.message,
      status: this.status,
      ...(this.subproblems ? { subproblems: this.subproblems } : {}),
      ...(this.algorithms ? { algorithms: this.algorithms } : {}),
    };
  }
}
