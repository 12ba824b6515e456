import { deleteOrganizationCertificate, organizationCertificateDeletedSchema } from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { jsonContent } from "../openapi-shared";
import { certificateIdParams, openAIErrorResponses, organizationRoute } from "./openai-shared";

export const route = createRoute({
  method: "delete",
  path: "/v1/organization/certificates/{certificate_id}",
  ...organizationRoute("certificates:issue"),
  summary: "Delete an inactive uploaded certificate (issued ones are kept: deactivate or revoke)",
  request: { params: certificateIdParams },
  responses: {
    200: jsonContent(organizationCertificateDeletedSchema, "The certificate was deleted"),
    ...openAIErrorResponses,
  },
});

export function registerDeleteOrganizationCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deleted = await deleteOrganizationCertificate({
      ctx: c.var.ctx,
      principal: c.var.principal,
      certificateId: c.req.valid("param").certificate_id,
    });
    return c.json(deleted, 200);
  });
}
