import { getCaCertificate } from "@certq/core";
import { decodePem } from "@certq/pki";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { caIdParams } from "../cas/ca-id-param";
import { errorResponses } from "../openapi-shared";

/** The Authority Information Access caIssuers URL of every certificate a CA issues. */
export const route = createRoute({
  method: "get",
  path: "/api/v1/pki/ca/{caId}/certificate/der",
  tags: ["Certificate Authorities"],
  summary: "The CA certificate as DER (public; the caIssuers URL of issued certificates)",
  request: { params: caIdParams },
  responses: {
    200: {
      description: "DER certificate",
      content: { "application/pkix-cert": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...errorResponses,
  },
});

export function registerGetCaCertificateDer(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    const { certificate } = await getCaCertificate({ ctx: c.var.ctx, caId });
    const der = decodePem(certificate, "CERTIFICATE", "certificate");
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(new Uint8Array(der), 200, { "Content-Type": "application/pkix-cert" });
  });
}
