import { createCrlCache, getCrl } from "@certq/core";
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
    304: { description: "If-None-Match named the current CRL's ETag" },
    ...errorResponses,
  },
});

export function registerGetCrl(app: OpenAPIHono<AppEnv>) {
  // Per app: every download of a CA's CRL shares one buffer (and one PEM) until it changes.
  const cache = createCrlCache();
  const pems = new WeakMap<Buffer, string>();
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    const crl = await getCrl({ ctx: c.var.ctx, caId, cache });
    // The CRL number names this CRL's content: a client holding it needs no second copy.
    const etag = `"${crl.crlNumber}"`;
    c.header("Cache-Control", "public, max-age=300");
    c.header("ETag", etag);
    c.header("Last-Modified", crl.thisUpdate.toUTCString());
    c.header("Expires", crl.nextUpdate.toUTCString());
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    const accept = c.req.header("accept") ?? "";
    if (/application\/x-pem-file|text\/plain/i.test(accept)) {
      let pem = pems.get(crl.der);
      if (pem === undefined) {
        pem = encodePem("X509 CRL", crl.der);
        pems.set(crl.der, pem);
      }
      return c.body(pem, 200, {
        "Content-Type": /x-pem-file/i.test(accept) ? "application/x-pem-file" : "text/plain",
      });
    }
    return c.body(crl.der as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/pkix-crl",
    });
  });
}
