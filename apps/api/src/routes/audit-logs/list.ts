import { auditLogListSchema, listAuditLogs, listAuditLogsQuerySchema } from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/audit-logs",
  tags: ["Audit"],
  summary: "List audit-log rows (filters and cursor pagination, newest first by default)",
  security: bearerAuth,
  middleware: [authorize("audit:read")] as const,
  request: { query: listAuditLogsQuerySchema },
  responses: {
    200: jsonContent(auditLogListSchema, "A page; pass nextCursor as cursor for the next"),
    ...errorResponses,
  },
});

export function registerListAuditLogs(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const page = await listAuditLogs({
      ctx: c.var.ctx,
      principal: c.var.principal,
      query: c.req.valid("query"),
    });
    return c.json(page, 200);
  });
}
