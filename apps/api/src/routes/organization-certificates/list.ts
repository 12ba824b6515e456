import {
  listOrganizationCertificates,
  listOrganizationCertificatesQuerySchema,
  organizationCertificateListSchema,
} from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { openAIErrors, openAIValidationHook } from "../../middleware/openai-errors";
import { bearerAuth, jsonContent } from "../openapi-shared";
import { openAIErrorResponses } from "./openai-shared";

export const route = createRoute({
  method: "get",
  path: "/v1/organization/certificates",
  tags: ["Organization Certificates"],
  summary: "List issued and uploaded certificates (keyset pages on created_at, id)",
  security: bearerAuth,
  middleware: [openAIErrors, authorize("certificates:read")] as const,
  request: { query: listOrganizationCertificatesQuerySchema },
  responses: {
    200: jsonContent(organizationCertificateListSchema, "One page of certificates"),
    ...openAIErrorResponses,
  },
});

export function registerListOrganizationCertificates(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route,
    async (c) => {
      const list = await listOrganizationCertificates({
        ctx: c.var.ctx,
        principal: c.var.principal,
        query: c.req.valid("query"),
      });
      return c.json(list, 200);
    },
    openAIValidationHook,
  );
}
