/** What the fuzz test (fuzz.test.ts) asks of every answer: pure checks on status and body. */

/** The OpenAI-compatible routes answer their own errors in OpenAI's `{error: {...}}` shape. */
export const OPENAI_ERROR_PREFIX = "/v1/organization/";

/** Why an error response is not `{reqId, statusCode, message, error}` (+ details on 403). */
function seedShapeProblem(status: number, headers: Headers, body: unknown): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "not a JSON object";
  const b = body as Record<string, unknown>;
  const allowed = [
    "reqId",
    "statusCode",
    "message",
    "error",
    ...(status === 403 ? ["details"] : []),
  ];
  const extra = Object.keys(b).filter((k) => !allowed.includes(k));
  if (extra.length > 0) return `unexpected keys ${extra.join(", ")}`;
  for (const key of ["reqId", "statusCode", "message", "error"]) {
    if (!(key in b)) return `missing ${key}`;
  }
  if (typeof b.reqId !== "string") return "reqId is not a string";
  if (b.reqId !== headers.get("x-request-id")) {
    return `reqId ${b.reqId} differs from X-Request-Id ${headers.get("x-request-id")}`;
  }
  if (b.statusCode !== status) return `statusCode ${String(b.statusCode)} differs from ${status}`;
  if (typeof b.error !== "string") return "error is not a string";
  if (status === 422 && Array.isArray(b.message)) {
    for (const issue of b.message as { field?: unknown; message?: unknown }[]) {
      if (typeof issue?.field !== "string" || typeof issue.message !== "string") {
        return "a validation issue lacks a string field or message";
      }
    }
  } else if (typeof b.message !== "string") {
    return status === 422 ? "message is neither a string nor a list" : "message is not a string";
  }
  return null;
}

/** Why an error is not OpenAI's `{error: {message, type, param, code}}`. */
function openAiShapeProblem(body: unknown): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "not a JSON object";
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== "error") return `keys ${keys.join(", ")}`;
  const error = (body as { error: unknown }).error;
  if (typeof error !== "object" || error === null) return "error is not an object";
  const e = error as Record<string, unknown>;
  const extra = Object.keys(e).filter((k) => !["message", "type", "param", "code"].includes(k));
  if (extra.length > 0) return `unexpected keys in error: ${extra.join(", ")}`;
  if (typeof e.message !== "string" || typeof e.type !== "string") {
    return "message/type not strings";
  }
  for (const k of ["param", "code"]) {
    if (!(k in e) || (e[k] !== null && typeof e[k] !== "string")) return `${k} not string or null`;
  }
  return null;
}

/**
 * Why an error body has the wrong shape: the seed's everywhere, or OpenAI's on its routes
 * (failures before routing there, such as the body limit, keep the seed's).
 */
export function errorShapeProblem(
  path: string,
  status: number,
  headers: Headers,
  body: unknown,
): string | null {
  const seed = seedShapeProblem(status, headers, body);
  if (seed === null || !path.startsWith(OPENAI_ERROR_PREFIX)) return seed;
  const openAi = openAiShapeProblem(body);
  return openAi === null ? null : `${seed} (nor OpenAI's shape: ${openAi})`;
}

const BEFORE_HANDLER = /^(Route |Content-Type must be|Malformed JSON)/;
const OPENAI_VALIDATION =
  /^(Invalid '|Invalid request|Missing required parameter|Unrecognized request argument)/;

/**
 * Whether the request got past routing, auth, the body limit and the schema into the route's
 * handler: a 2xx, or an error the handler's verb raised (404 for an unknown ID, 409, a bad PEM).
 * Conservative: an answer that might come from an earlier layer counts as not reached.
 */
export function reachedHandler(path: string, status: number, body: unknown): boolean {
  if (status < 400) return true;
  if ([401, 403, 405, 413, 415].includes(status)) return false;
  const b = (body ?? {}) as { message?: unknown; error?: unknown };
  if (status === 422 && Array.isArray(b.message)) return false;
  const openAi = typeof b.error === "object" && b.error !== null;
  const message = String(openAi ? (b.error as { message?: unknown }).message : b.message);
  if (BEFORE_HANDLER.test(message)) return false;
  return !(path.startsWith(OPENAI_ERROR_PREFIX) && openAi && OPENAI_VALIDATION.test(message));
}
