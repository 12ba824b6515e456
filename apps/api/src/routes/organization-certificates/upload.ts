import {
  organizationCertificateSchema,
  uploadOrganizationCertificate,
  uploadOrganizationCertificateInputSchema,
} from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { jsonBody, jsonContent } from "../openapi-shared";
import { openAIErrorResponses, organizationRoute } from "./openai-shared";

export const route = createRoute({
  method: "post",
  path: "/v1/organization/certificates",
  ...organizationRoute("certificates:issue"),
  summary: "Upload a certificate certq did not issue (starts inactive)",
  request: { body: jsonBody(uploadOrganizationCertificateInputSchema) },
  responses: {
    200: jsonContent(organizationCertificateSchema, "The uploaded certificate"),
    ...openAIErrorResponses,
    409: openAIErrorResponses[400],
  },
});

export function registerUploadOrganizationCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const certificate = await uploadOrganizationCertificate({
      ctx: c.var.ctx,
      principal: c.var.principal,
      input: c.req.valid("json"),
    });
    return c.json(certificate, 200);
  });
}
