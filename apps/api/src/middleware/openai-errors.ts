import {
  BadRequestError,
  DuplicateCertificateError,
  NotFoundError,
  OrganizationCertificateNotFoundError,
  OrganizationCertificateStateError,
} from "@certq/core";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError, type z } from "zod";
import type { AppEnv } from "../env";

/** The input field an error names, as OpenAI's `param`. */
function paramOfError(error: Error): string | null {
  if (
    error instanceof BadRequestError ||
    error instanceof OrganizationCertificateNotFoundError ||
    error instanceof DuplicateCertificateError
  ) {
    return error.field ?? null;
  }
  return null;
}

/** OpenAI's `code` for a domain error; the status's default otherwise. */
function codeOfError(error: Error, status: number): string | null {
  if (error instanceof OrganizationCertificateStateError) return error.reason;
  if (error instanceof DuplicateCertificateError) return "certificate_already_exists";
  if (error instanceof NotFoundError) return "not_found";
  return DEFAULT_CODES[status] ?? null;
}

/** OpenAI's error object: `{ error: { message, type, param, code } }`. */
export interface OpenAIError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export function openAIErrorResponse(
  c: Context,
  status: ContentfulStatusCode,
  error: OpenAIError,
): Response {
  return c.json({ error }, status);
}

/** `certificate_ids[0]`, `name`: the field path as OpenAI's `param` spells it. */
function paramOf(path: readonly PropertyKey[]): string | null {
  let param = "";
  for (const key of path) {
    param += typeof key === "number" ? `[${key}]` : `${param ? "." : ""}${String(key)}`;
  }
  return param || null;
}

function describeIssue(issue: z.core.$ZodIssue) {
  if (issue.code === "unrecognized_keys") {
    const param = paramOf([...issue.path, issue.keys[0] ?? ""]);
    return {
      param,
      code: "unknown_parameter",
      message: `Unrecognized request argument supplied: ${issue.keys.join(", ")}`,
    };
  }
  const param = paramOf(issue.path);
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message) && param) {
    return {
      param,
      code: "missing_required_parameter",
      message: `Missing required parameter: '${param}'`,
    };
  }
  return {
    param,
    code: "invalid_value",
    message: param ? `Invalid '${param}': ${issue.message}` : `Invalid request: ${issue.message}`,
  };
}

/** A zod failure as one 400 error: `param` is the first offending field, `message` names all. */
export function openAIValidationError(c: Context, error: z.ZodError): Response {
  const issues = error.issues.map(describeIssue);
  const first = issues[0];
  return openAIErrorResponse(c, 400, {
    message: issues.map((issue) => issue.message).join("; ") || "Invalid request",
    type: "invalid_request_error",
    param: first?.param ?? null,
    code: first?.code ?? "invalid_value",
  });
}

/**
 * The validation hook of the OpenAI-style routes, in place of the app's defaultHook: it throws
 * the ZodError so that openAIErrors, the one mapping for these routes, shapes the answer.
 */
export function openAIValidationHook(
  result: { success: true } | { success: false; error: z.ZodError },
): undefined {
  if (!result.success) throw result.error;
  return undefined;
}

const DEFAULT_CODES: Partial<Record<number, string>> = {
  400: "invalid_value",
  401: "invalid_api_key",
  403: "insufficient_permissions",
  404: "not_found",
  409: "conflict",
  413: "request_too_large",
  429: "rate_limit_exceeded",
  503: "service_unavailable",
};

async function messageOf(res: Response, fallback: string): Promise<string> {
  try {
    const body = (await res.clone().json()) as { message?: unknown };
    return typeof body.message === "string" ? body.message : fallback;
  } catch {
    return fallback;
  }
}

/**
 * Rewrites errors of the OpenAI-style routes into OpenAI's envelope. The app's onError has
 * already chosen the status (domain error, 503 for a lost dependency, ...) and the headers;
 * this keeps both and replaces only the body, so the mapping lives in one place.
 */
export const openAIErrors = createMiddleware<AppEnv>(async function openAIErrors(c, next) {
  await next();
  const error = c.error;
  if (!error) return;
  if (error instanceof ZodError) {
    c.res = openAIValidationError(c, error);
    return;
  }
  const status = c.res.status as ContentfulStatusCode;
  if (status >= 500) {
    c.res = openAIErrorResponse(c, status, {
      // The onError body's message: never the internal error's own text.
      message: await messageOf(c.res, "Internal server error"),
      type: "server_error",
      param: null,
      code: DEFAULT_CODES[status] ?? null,
    });
    return;
  }
  const http = error instanceof HTTPException;
  c.res = openAIErrorResponse(c, status, {
    message: error.message || (await messageOf(c.res, "Request failed")),
    type: "invalid_request_error",
    param: http ? null : paramOfError(error),
    code: http ? null : codeOfError(error, status),
  });
});
