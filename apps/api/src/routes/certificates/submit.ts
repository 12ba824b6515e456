import { submitCertificateInputSchema, submitCertificateRequest } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { pollLocation, RETRY_AFTER_SECONDS } from "../certificate-requests/poll-location";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";
import { idempotencyKeyHeader } from "./idempotency-key";

export const submittedSchema = z.object({
  certificate: z.null(),
  certificateRequestId: z.uuid(),
  status: z.enum(["pending", "issued", "failed"]),
  message: z.string(),
});

export const route = createRoute({
  method: "post",
  path: "/api/v1/cert-manager/certificates",
  tags: ["PKI Certificates"],
  summary: "Submit a certificate request (server-generated key, or sign a CSR); poll its Location",
  security: bearerAuth,
  middleware: [authorize("certificates:issue")] as const,
  request: { headers: idempotencyKeyHeader, body: jsonBody(submitCertificateInputSchema) },
  responses: {
    202: jsonContent(submittedSchema, "Accepted; the request is pending"),
    ...errorResponses,
  },
});

export function registerSubmitCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const submitted = await submitCertificateRequest({
      ctx: c.var.ctx,
      principal: c.var.principal,
      input: c.req.valid("json"),
      idempotencyKey: c.req.valid("header")["idempotency-key"],
    });
    c.header("Location", pollLocation(submitted.requestId));
    c.header("Retry-After", RETRY_AFTER_SECONDS);
    if (!submitted.created) c.header("Idempotent-Replayed", "true");
    return c.json(
      {
        certificate: null,
        certificateRequestId: submitted.requestId,
        status: submitted.status,
        message: submitted.created
          ? "Certificate request accepted; poll its Location until it is issued or failed"
          : "Certificate request already submitted with this Idempotency-Key",
      },
      202,
    );
  });
}
