import {
  activateOrganizationCertificates,
  organizationCertificateActivationSchema,
  toggleOrganizationCertificatesInputSchema,
} from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { openAIErrors, openAIValidationHook } from "../../middleware/openai-errors";
import { bearerAuth, jsonBody, jsonContent } from "../openapi-shared";
import { openAIErrorResponses } from "./openai-shared";

export const route = createRoute({
  method: "post",
  path: "/v1/organization/certificates/activate",
  tags: ["Organization Certificates"],
  summary: "Activate certificates (atomic: one unknown ID changes nothing)",
  security: bearerAuth,
  middleware: [openAIErrors, authorize("certificates:issue")] as const,
  request: { body: jsonBody(toggleOrganizationCertificatesInputSchema) },
  responses: {
    200: jsonContent(organizationCertificateActivationSchema, "The activated certificates"),
    ...openAIErrorResponses,
  },
});

/** Registered before the rename route, whose `{certificate_id}` would also match `activate`. */
export function registerActivateOrganizationCertificates(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route,
    async (c) => {
      const result = await activateOrganizationCertificates({
        ctx: c.var.ctx,
        principal: c.var.principal,
        input: c.req.valid("json"),
      });
      return c.json(result, 200);
    },
    openAIValidationHook,
  );
}
