import { listCertificateRequests, listRequestsQuerySchema, requestListSchema } from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/cert-manager/certificates/certificate-requests",
  tags: ["PKI Certificates"],
  summary: "List certificate requests (filters and cursor pagination, oldest first)",
  security: bearerAuth,
  middleware: [authorize("certificates:read")] as const,
  request: { query: listRequestsQuerySchema },
  responses: {
    200: jsonContent(requestListSchema, "A page; pass nextCursor as cursor for the next"),
    ...errorResponses,
  },
});

export function registerListCertificateRequests(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const page = await listCertificateRequests({
      ctx: c.var.ctx,
      principal: c.var.principal,
      query: c.req.valid("query"),
    });
    return c.json(page, 200);
  });
}
