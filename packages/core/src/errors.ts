/**
 * Domain errors. They know nothing of HTTP or BullMQ: the API maps them to status codes in
 * one place (apps/api/src/middleware/errors.ts) and the worker maps `permanent` ones to
 * UnrecoverableError.
 */
export abstract class DomainError extends Error {
  /** A permanent error fails a job for good; retrying cannot help. */
  abstract readonly permanent: boolean;
}

export class NotFoundError extends DomainError {
  readonly permanent = true;
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} with ID '${id}' not found`);
    this.name = "NotFoundError";
  }
}

/** The input is well-formed but cannot be acted on (HTTP 400). */
export class BadRequestError extends DomainError {
  readonly permanent = true;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "BadRequestError";
  }
}

/** A profile's policy refuses the request (HTTP 400). */
export class PolicyViolationError extends DomainError {
  readonly permanent = true;
  constructor(readonly violations: string[]) {
    super(violations.join("; "));
    this.name = "PolicyViolationError";
  }
}

/**
 * A leaf's names break the nameConstraints of a CA in its chain (HTTP 422, one issue per
 * violation, each naming its field).
 */
export class NameConstraintViolationError extends DomainError {
  readonly permanent = true;
  constructor(readonly violations: { field: string; message: string }[]) {
    super(violations.map((violation) => violation.message).join("; "));
    this.name = "NameConstraintViolationError";
  }
}

/** The request conflicts with the current state (HTTP 409 or 422 by kind). */
export class ConflictError extends DomainError {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

/** An Idempotency-Key reused with a different body (HTTP 422). */
export class IdempotencyMismatchError extends DomainError {
  readonly permanent = true;
  constructor() {
    super("Idempotency-Key was already used with a different request body");
    this.name = "IdempotencyMismatchError";
  }
}

export class UnauthorizedError extends DomainError {
  readonly permanent = true;
  constructor(message = "Authentication required: send 'Authorization: Bearer <token>'") {
    super(message);
    this.name = "UnauthorizedError";
  }
}

export class ForbiddenError extends DomainError {
  readonly permanent = true;
  constructor(readonly requiredScope: string) {
    super(`This token lacks the scope '${requiredScope}'`);
    this.name = "ForbiddenError";
  }
}

/** A dependency (Postgres, Redis) cannot be reached; retrying later may help (HTTP 503). */
export class UnavailableError extends DomainError {
  readonly permanent = false;
  constructor(
    readonly dependency: string,
    message?: string,
  ) {
    super(message ?? `${dependency} is unavailable; try again shortly`);
    this.name = "UnavailableError";
  }
}

/** Too many submissions: the queue is full or a token exceeds its rate (HTTP 429). */
export class RateLimitedError extends DomainError {
  readonly permanent = false;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}

/**
 * An outbound request (a webhook) would reach an address refused by default: loopback,
 * private, link-local, metadata... and not in CERTQ_OUTBOUND_ALLOW. Retrying cannot help.
 */
export class OutboundRefusedError extends DomainError {
  readonly permanent = true;
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    const target = host === address ? address : `${host} (${address})`;
    super(`refused to connect to ${target}: ${reason}, not in CERTQ_OUTBOUND_ALLOW`);
    this.name = "OutboundRefusedError";
  }
}

/** One field of well-formed input that a verb finds invalid (HTTP 422, as a schema failure). */
export class InvalidFieldError extends DomainError {
  readonly permanent = true;
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "InvalidFieldError";
  }
}

/** The PKCS#11 token holding CA keys cannot sign right now (session or device lost): retry. */
export class HsmUnavailableError extends UnavailableError {
  constructor(message: string) {
    super("HSM", message);
    this.name = "HsmUnavailableError";
  }
}

/** The PKCS#11 token refused for good: the CA's key is not in it, or it refuses the operation. */
export class HsmKeyError extends ConflictError {
  constructor(message: string) {
    super(message);
    this.name = "HsmKeyError";
  }
}
