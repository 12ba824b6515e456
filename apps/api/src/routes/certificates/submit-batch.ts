import { submitBatchInputSchema, submitCertificateBatch } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { errorName } from "../../middleware/error-body";
import { answerFor } from "../../middleware/errors";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";
import { idempotencyKeyHeader } from "./idempotency-key";

const itemSchema = z.union([
  z.object({
    index: z.number().int(),
    certificateRequestId: z.uuid(),
    status: z.enum(["pending", "issued", "failed"]),
  }),
  z.object({
    index: z.number().int(),
    error: z.object({ statusCode: z.number().int(), message: z.unknown(), error: z.string() }),
  }),
]);

export const batchSubmittedSchema = z.object({
  accepted: z.number().int(),
  refused: z.number().int(),
  results: z.array(itemSchema),
});

export const route = createRoute({
  method: "post",
  path: "/api/v1/cert-manager/certificates/bulk",
  tags: ["PKI Certificates"],
  summary:
    "Submit up to 1,000 certificate requests at once; one result per item, in order (its request ID, or its error)",
  security: bearerAuth,
  middleware: [authorize("certificates:issue")] as const,
  request: { headers: idempotencyKeyHeader, body: jsonBody(submitBatchInputSchema) },
  responses: {
    202: jsonContent(batchSubmittedSchema, "Each item accepted (pending) or refused on its own"),
    ...errorResponses,
  },
});

export function registerSubmitCertificateBatch(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const outcomes = await submitCertificateBatch({
      ctx: c.var.ctx,
      principal: c.var.principal,
      input: c.req.valid("json"),
      idempotencyKey: c.req.valid("header")["idempotency-key"],
    });
    const results = outcomes.map((outcome) => {
      if ("submitted" in outcome) {
        return {
          index: outcome.index,
          certificateRequestId: outcome.submitted.requestId,
          status: outcome.submitted.status,
        };
      }
      const answer = answerFor(outcome.error);
      if (!answer) c.var.ctx.log.error({ err: outcome.error, index: outcome.index }, "batch item");
      const statusCode = answer?.status ?? 500;
      return {
        index: outcome.index,
        error: {
          statusCode,
          message: answer?.message ?? "Internal server error",
          error: errorName(statusCode),
        },
      };
    });
    const accepted = results.filter((r) => "certificateRequestId" in r).length;
    return c.json({ accepted, refused: results.length - accepted, results }, 202);
  });
}
