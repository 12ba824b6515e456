import { getOrganizationCertificate, organizationCertificateSchema } from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { openAIErrors, openAIValidationHook } from "../../middleware/openai-errors";
import { bearerAuth, jsonContent } from "../openapi-shared";
import { certificateIdParams, openAIErrorResponses } from "./openai-shared";

export const route = createRoute({
  method: "get",
  path: "/v1/organization/certificates/{certificate_id}",
  tags: ["Organization Certificates"],
  summary: "Get certificate (OpenAI-style object), issued or uploaded",
  security: bearerAuth,
  middleware: [openAIErrors, authorize("certificates:read")] as const,
  request: { params: certificateIdParams },
  responses: {
    200: jsonContent(organizationCertificateSchema, "The certificate object"),
    ...openAIErrorResponses,
  },
});

export function registerGetOrganizationCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route,
    async (c) => {
      const { certificate_id } = c.req.valid("param");
      // include[]=content (and include=content) both ask for the PEM.
      const include = [...(c.req.queries("include[]") ?? []), ...(c.req.queries("include") ?? [])];
      const certificate = await getOrganizationCertificate({
        ctx: c.var.ctx,
        principal: c.var.principal,
        certificateId: certificate_id,
        includeContent: include.includes("content"),
      });
      return c.json(certificate, 200);
    },
    openAIValidationHook,
  );
}
