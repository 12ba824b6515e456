import {
  listOrganizationCertificates,
  listOrganizationCertificatesQuerySchema,
  organizationCertificateListSchema,
} from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { jsonContent } from "../openapi-shared";
import { openAIErrorResponses, organizationRoute } from "./openai-shared";

export const route = createRoute({
  method: "get",
  path: "/v1/organization/certificates",
  ...organizationRoute("certificates:read"),
  summary: "List issued and uploaded certificates (keyset pages on created_at, id)",
  request: { query: listOrganizationCertificatesQuerySchema },
  responses: {
    200: jsonContent(organizationCertificateListSchema, "One page of certificates"),
    ...openAIErrorResponses,
  },
});

export function registerListOrganizationCertificates(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const list = await listOrganizationCertificates({
      ctx: c.var.ctx,
      principal: c.var.principal,
      query: c.req.valid("query"),
    });
    return c.json(list, 200);
  });
}
