import { getOrganizationCertificate, organizationCertificateSchema } from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { jsonContent } from "../openapi-shared";
import { certificateIdParams, openAIErrorResponses, organizationRoute } from "./openai-shared";

export const route = createRoute({
  method: "get",
  path: "/v1/organization/certificates/{certificate_id}",
  ...organizationRoute("certificates:read"),
  summary: "Get certificate (OpenAI-style object), issued or uploaded",
  request: { params: certificateIdParams },
  responses: {
    200: jsonContent(organizationCertificateSchema, "The certificate object"),
    ...openAIErrorResponses,
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
