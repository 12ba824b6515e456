import { getOrganizationCertificate, organizationCertificateSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/v1/organization/certificates/{certificate_id}",
  tags: ["Organization Certificates"],
  summary: "Get certificate (OpenAI-style object)",
  security: bearerAuth,
  middleware: [authorize("certificates:read")] as const,
  request: { params: z.object({ certificate_id: z.string().max(64) }) },
  responses: {
    200: jsonContent(organizationCertificateSchema, "The certificate object"),
    ...errorResponses,
  },
});

export function registerGetOrganizationCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
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
  });
}
