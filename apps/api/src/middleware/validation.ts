import type { Context } from "hono";
import type { z } from "zod";
import { errorBody } from "./error-body";

export interface ValidationIssue {
  field: string;
  message: string;
  code: string;
}

/** Zod issues as `{ field, message, code }`, each naming its field (dotted path). */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = issue.path.map(String).join(".");
    const field = [path, ...keys.map((k) => (path ? `${path}.${k}` : k))]
      .filter(Boolean)
      .join(", ");
    const name = field || "body";
    return { field: name, message: `${name}: ${issue.message}`, code: issue.code };
  });
}

export function validationFailure(c: Context, error: z.ZodError) {
  return errorBody(c, 422, toValidationIssues(error));
}

/** The defaultHook of every OpenAPI route: a failed request schema is a 422. */
export function defaultHook(
  result: { success: true } | { success: false; error: z.ZodError },
  c: Context,
) {
  if (!result.success) return validationFailure(c, result.error);
}
