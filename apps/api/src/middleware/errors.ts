import {
  BadRequestError,
  ConflictError,
  type DomainError,
  ForbiddenError,
  hasConnectionFaultCode,
  hasRedisUnavailableMessage,
  IdempotencyMismatchError,
  InvalidFieldError,
  isDataException,
  NameConstraintViolationError,
  NotFoundError,
  PolicyViolationError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
} from "@certq/core";
import { PkiError } from "@certq/pki";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { errorBody } from "./error-body";
import { validationFailure } from "./validation";

const DOMAIN_STATUS: [abstract new (...args: never[]) => DomainError, ContentfulStatusCode][] = [
  [NotFoundError, 404],
  [BadRequestError, 400],
  [PolicyViolationError, 400],
  [ConflictError, 409],
  [IdempotencyMismatchError, 422],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [UnavailableError, 503],
];

function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 3) return false;
  if (hasConnectionFaultCode(error)) return true;
  if (hasRedisUnavailableMessage(error)) return true;
  // drizzle wraps the driver's error; AggregateError holds one per address tried.
  const nested = [
    (error as { cause?: unknown }).cause,
    ...((error as { errors?: unknown[] }).errors ?? []),
  ];
  return nested.some((inner) => isUnavailable(inner, depth + 1));
}

/** The one place that turns an error into an HTTP response. */
export function onError(error: Error, c: Context) {
  if (error instanceof ZodError) return validationFailure(c, error);
  if (error instanceof RateLimitedError) {
    c.header("Retry-After", String(error.retryAfterSeconds));
    return errorBody(c, 429, error.message);
  }
  if (error instanceof InvalidFieldError) {
    return errorBody(c, 422, [{ field: error.field, message: error.message, code: "custom" }]);
  }
  if (error instanceof ForbiddenError) {
    return errorBody(c, 403, error.message, { requiredScope: error.requiredScope });
  }
  if (error instanceof NameConstraintViolationError) {
    // Like a validation failure: one issue per broken constraint, each naming its field.
    return errorBody(
      c,
      422,
      error.violations.map((violation) => ({ ...violation, code: "name_constraint" })),
    );
  }
  for (const [type, status] of DOMAIN_STATUS) {
    if (error instanceof type) return errorBody(c, status, error.message);
  }
  if (error instanceof PkiError) return errorBody(c, 400, error.message);
  if (error instanceof HTTPException) {
    return errorBody(c, error.status as ContentfulStatusCode, error.message || "Request failed");
  }
  if (isDataException(error)) {
    // Postgres refused a value (NUL byte, bad text): the input was bad, whatever slipped
    // past validation.
    return errorBody(
      c,
      400,
      "A value in the request cannot be stored (invalid characters or format)",
    );
  }
  if (isUnavailable(error)) {
    c.var.ctx?.log.warn({ err: error.message }, "dependency unavailable");
    c.header("Retry-After", "5");
    return errorBody(c, 503, "A backing service is unavailable; try again shortly");
  }
  c.var.ctx?.log.error({ err: error }, "unhandled error");
  return errorBody(c, 500, "Internal server error");
}

export function notFound(c: Context) {
  return errorBody(c, 404, `Route ${c.req.method}:${c.req.path} not found`);
}
