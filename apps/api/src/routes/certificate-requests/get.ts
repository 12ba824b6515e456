import { certificateRequestViewSchema, getCertificateRequest } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/cert-manager/certificates/certificate-requests/{requestId}",
  tags: ["PKI Certificates"],
  summary: "Get Certificate Request",
  security: bearerAuth,
  middleware: [authorize("certificates:read")] as const,
  request: { params: z.object({ requestId: z.uuid() }) },
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
    const request = await getCertificateRequest({
      ctx: c.var.ctx,
      principal: c.var.principal,
      requestId,
    });
    if (request.privateKey) c.header("Cache-Control", "no-store");
    return c.json(request, 200);
  });
}
