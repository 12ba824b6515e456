import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The Infisical error names for each status. */
const ERROR_NAMES: Record<number, string> = {
  400: "BadRequest",
  401: "UnauthorizedError",
  403: "PermissionDenied",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  413: "PayloadTooLarge",
  415: "UnsupportedMediaType",
  422: "ValidationFailure",
  429: "TooManyRequests",
  500: "InternalServerError",
  503: "ServiceUnavailable",
};

/** The Infisical error name of a status ("Error" for one without). */
export function errorName(statusCode: number): string {
  return ERROR_NAMES[statusCode] ?? "Error";
}

/** Every non-2xx body: `{ reqId, statusCode, message, error }` (403 may add `details`). */
export function errorPayload(
  reqId: string,
  statusCode: number,
  message: unknown,
  details?: unknown,
) {
  return {
    reqId,
    statusCode,
    message,
    error: errorName(statusCode),
    ...(details === undefined ? {} : { details }),
  };
}

/** The error body as the app's answer. */
export function errorBody(
  c: Context,
  statusCode: ContentfulStatusCode,
  message: unknown,
  details?: unknown,
) {
  const reqId = (c.get("requestId") as string | undefined) ?? "unknown";
  return c.json(errorPayload(reqId, statusCode, message, details), statusCode);
}
