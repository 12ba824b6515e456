import { certificateRequestViewSchema, findRequestJobId, getCertificateRequest } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/cert-manager/certificates/certificate-requests/{requestId}",
  tags: ["PKI Certificates"],
  summary:
    "Get Certificate Request; with ?wait=SECONDS (at most 60), long-poll until it leaves pending",
  security: bearerAuth,
  middleware: [authorize("certificates:read")] as const,
  request: {
    params: z.object({ requestId: z.uuid() }),
    query: z.object({
      wait: z.coerce
        .number()
        .int()
        .min(0)
        .max(60)
        .optional()
        .openapi({ description: "Seconds to wait for a pending request to be issued or fail" }),
    }),
  },
  responses: {
    200: jsonContent(
      certificateRequestViewSchema,
      "The request; privateKey only with certificates:read-private-key",
    ),
    ...errorResponses,
  },
});

export function registerGetCertificateRequest(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { requestId } = c.req.valid("param");
    const { wait } = c.req.valid("query");
    const read = () =>
      getCertificateRequest({ ctx: c.var.ctx, principal: c.var.principal, requestId });
    let request = await read();
    if (request.status === "pending" && wait) {
      // Woken by the job's completion event, not by polling Postgres.
      const jobId = await findRequestJobId(c.var.ctx.db, requestId);
      if (jobId) await c.var.issuance.waitForJob(jobId, wait * 1000);
      request = await read();
    }
    if (request.privateKey) c.header("Cache-Control", "no-store");
    return c.json(request, 200);
  });
}
