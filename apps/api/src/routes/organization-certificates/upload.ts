import {
  organizationCertificateSchema,
  uploadOrganizationCertificate,
  uploadOrganizationCertificateInputSchema,
} from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { openAIErrors, openAIValidationHook } from "../../middleware/openai-errors";
import { bearerAuth, jsonBody, jsonContent } from "../openapi-shared";
import { openAIErrorResponses } from "./openai-shared";

export const route = createRoute({
  method: "post",
  path: "/v1/organization/certificates",
  tags: ["Organization Certificates"],
  summary: "Upload a certificate certq did not issue (starts inactive)",
  security: bearerAuth,
  middleware: [openAIErrors, authorize("certificates:issue")] as const,
  request: { body: jsonBody(uploadOrganizationCertificateInputSchema) },
  responses: {
    200: jsonContent(organizationCertificateSchema, "The uploaded certificate"),
    ...openAIErrorResponses,
    409: openAIErrorResponses[400],
  },
});

export function registerUploadOrganizationCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route,
    async (c) => {
      const certificate = await uploadOrganizationCertificate({
        ctx: c.var.ctx,
        principal: c.var.principal,
        input: c.req.valid("json"),
      });
      return c.json(certificate, 200);
    },
    openAIValidationHook,
  );
}
