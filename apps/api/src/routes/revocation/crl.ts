import { getCrl } from "@certq/core";
import { encodePem } from "@certq/pki";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { caIdParams } from "../cas/ca-id-param";
import { errorResponses } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/pki/ca/{caId}/crl",
  tags: ["Certificate Authorities"],
  summary: "The CA's CRL (public): DER, or PEM with Accept: application/x-pem-file or text/plain",
  request: { params: caIdParams },
  responses: {
    200: {
      description: "The current CRL",
      content: {
        "application/pkix-crl": { schema: z.string().openapi({ format: "binary" }) },
        "application/x-pem-file": { schema: z.string() },
      },
    },
    ...errorResponses,
  },
});

export function registerGetCrl(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    const der = await getCrl({ ctx: c.var.ctx, caId });
    c.header("Cache-Control", "public, max-age=300");
    const accept = c.req.header("accept") ?? "";
    if (/application\/x-pem-file|text\/plain/i.test(accept)) {
      return c.body(encodePem("X509 CRL", der), 200, {
        "Content-Type": /x-pem-file/i.test(accept) ? "application/x-pem-file" : "text/plain",
      });
    }
    return c.body(new Uint8Array(der), 200, { "Content-Type": "application/pkix-crl" });
  });
}
