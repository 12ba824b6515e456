import {
  organizationCertificateSchema,
  renameOrganizationCertificate,
  renameOrganizationCertificateInputSchema,
} from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { jsonBody, jsonContent } from "../openapi-shared";
import { certificateIdParams, openAIErrorResponses, organizationRoute } from "./openai-shared";

export const route = createRoute({
  method: "post",
  path: "/v1/organization/certificates/{certificate_id}",
  ...organizationRoute("certificates:issue"),
  summary: "Rename a certificate",
  request: {
    params: certificateIdParams,
    body: jsonBody(renameOrganizationCertificateInputSchema),
  },
  responses: {
    200: jsonContent(organizationCertificateSchema, "The renamed certificate"),
    ...openAIErrorResponses,
  },
});

export function registerRenameOrganizationCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const certificate = await renameOrganizationCertificate({
      ctx: c.var.ctx,
      principal: c.var.principal,
      certificateId: c.req.valid("param").certificate_id,
      input: c.req.valid("json"),
    });
    return c.json(certificate, 200);
  });
}
