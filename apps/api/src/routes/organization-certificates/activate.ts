import {
  activateOrganizationCertificates,
  organizationCertificateActivationSchema,
  toggleOrganizationCertificatesInputSchema,
} from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { jsonBody, jsonContent } from "../openapi-shared";
import { openAIErrorResponses, organizationRoute } from "./openai-shared";

export const route = createRoute({
  method: "post",
  path: "/v1/organization/certificates/activate",
  ...organizationRoute("certificates:issue"),
  summary: "Activate certificates (atomic: one unknown ID changes nothing)",
  request: { body: jsonBody(toggleOrganizationCertificatesInputSchema) },
  responses: {
    200: jsonContent(organizationCertificateActivationSchema, "The activated certificates"),
    ...openAIErrorResponses,
  },
});

export function registerActivateOrganizationCertificates(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const result = await activateOrganizationCertificates({
      ctx: c.var.ctx,
      principal: c.var.principal,
      input: c.req.valid("json"),
    });
    return c.json(result, 200);
  });
}
