import type { Scope } from "@certq/core";
import { z } from "@hono/zod-openapi";
import { authorize } from "../../middleware/auth";
import { bearerAuth } from "../openapi-shared";

const openAIErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi("OpenAIError");

const openAIError = (description: string) => ({
  description,
  content: { "application/json": { schema: openAIErrorSchema } },
});

/** Error responses of the OpenAI-style routes: OpenAI's envelope, not the Infisical one. */
export const openAIErrorResponses = {
  400: openAIError("Invalid request; `param` names the field"),
  401: openAIError("Missing or invalid token"),
  403: openAIError("The token lacks the scope"),
  404: openAIError("No such certificate"),
  500: openAIError("Internal error"),
  503: openAIError("A backing service is unavailable"),
};

/** The `certificate_id` path parameter: `cert_` + 32 hex digits, or the UUID. */
export const certificateIdParams = z.object({
  certificate_id: z.string().min(1).max(64).openapi({ example: "cert_abc" }),
});

/** What every OpenAI-style route definition shares: its tag, bearer auth and its scope. */
export const organizationRoute = (scope: Scope) => ({
  tags: ["Organization Certificates"],
  security: bearerAuth,
  middleware: authorize(scope),
});
