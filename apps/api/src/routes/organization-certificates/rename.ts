import {
  organizationCertificateSchema,
  renameOrganizationCertificate,
  renameOrganizationCertificateInputSchema,
} from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { openAIErrors, openAIValidationHook } from "../../middleware/openai-errors";
import { bearerAuth, jsonBody, jsonContent } from "../openapi-shared";
import { certificateIdParams, openAIErrorResponses } from "./openai-shared";

export const route = createRoute({
  method: "post",
  path: "/v1/organization/certificates/{certificate_id}",
  tags: ["Organization Certificates"],
  summary: "Rename a certificate",
  security: bearerAuth,
  middleware: [openAIErrors, authorize("certificates:issue")] as const,
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
  app.openapi(
    route,
    async (c) => {
      const certificate = await renameOrganizationCertificate({
        ctx: c.var.ctx,
        principal: c.var.principal,
        certificateId: c.req.valid("param").certificate_id,
        input: c.req.valid("json"),
      });
      return c.json(certificate, 200);
    },
    openAIValidationHook,
  );
}
