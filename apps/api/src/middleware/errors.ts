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
import { toValidationIssues } from "./validation";

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

/** What an expected error answers: its status, message (text or issues) and extras. */
export interface ErrorAnswer {
  status: ContentfulStatusCode;
  message: unknown;
  details?: unknown;
  retryAfterSeconds?: number;
}

/**
 * The one mapping from errors to HTTP answers; undefined for an unexpected error. Used by
 * onError, and per item by the batch submission.
 */
export function answerFor(error: unknown): ErrorAnswer | undefined {
  if (error instanceof ZodError) return { status: 422, message: toValidationIssues(error) };
  if (error instanceof RateLimitedError) {
    return { status: 429, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
  if (error instanceof InvalidFieldError) {
    return {
      status: 422,
      message: [{ field: error.field, message: error.message, code: "custom" }],
    };
  }
  if (error instanceof ForbiddenError) {
    return { status: 403, message: error.message, details: { requiredScope: error.requiredScope } };
  }
  if (error instanceof NameConstraintViolationError) {
    // Like a validation failure: one issue per broken constraint, each naming its field.
    return {
      status: 422,
      message: error.violations.map((violation) => ({ ...violation, code: "name_constraint" })),
    };
  }
  for (const [type, status] of DOMAIN_STATUS) {
    if (error instanceof type) return { status, message: error.message };
  }
  if (error instanceof PkiError) return { status: 400, message: error.message };
  if (error instanceof HTTPException) {
    return {
      status: error.status as ContentfulStatusCode,
      message: error.message || "Request failed",
    };
  }
  if (isDataException(error)) {
    // Postgres refused a value (NUL byte, bad text): the input was bad, whatever slipped
    // past validation.
    return {
      status: 400,
      message: "A value in the request cannot be stored (invalid characters or format)",
    };
  }
  if (isUnavailable(error)) {
    return {
      status: 503,
      message: "A backing service is unavailable; try again shortly",
      retryAfterSeconds: 5,
    };
  }
  return undefined;
}

/** What an unexpected error answers (its cause is logged, never sent). */
export const INTERNAL_ERROR: ErrorAnswer = { status: 500, message: "Internal server error" };

/** The one place that turns an error into an HTTP response. */
export function onError(error: Error, c: Context) {
  const answer = answerFor(error);
  if (answer) {
    if (answer.status === 503)
      c.var.ctx?.log.warn({ err: error.message }, "dependency unavailable");
    if (answer.retryAfterSeconds !== undefined) {
      c.header("Retry-After", String(answer.retryAfterSeconds));
    }
    return errorBody(c, answer.status, answer.message, answer.details);
  }
  c.var.ctx?.log.error({ err: error }, "unhandled error");
  return errorBody(c, INTERNAL_ERROR.status, INTERNAL_ERROR.message);
}

export function notFound(c: Context) {
  return errorBody(c, 404, `Route ${c.req.method}:${c.req.path} not found`);
}
