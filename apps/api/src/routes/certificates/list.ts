import { certificateListSchema, listCertificates, listCertificatesQuerySchema } from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/pki/certificates",
  tags: ["PKI Certificates"],
  summary: "List issued certificates (filters and cursor pagination, oldest first)",
  security: bearerAuth,
  middleware: [authorize("certificates:read")] as const,
  request: { query: listCertificatesQuerySchema },
  responses: {
    200: jsonContent(certificateListSchema, "A page; pass nextCursor as cursor for the next"),
    ...errorResponses,
  },
});

export function registerListCertificates(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const page = await listCertificates({
      ctx: c.var.ctx,
      principal: c.var.principal,
      query: c.req.valid("query"),
    });
    return c.json(page, 200);
  });
}
