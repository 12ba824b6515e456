import { answerOcsp } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { errorResponses } from "../openapi-shared";

const ocspResponse = {
  200: {
    description: "An RFC 6960 OCSP response, signed by the issuing CA",
    content: { "application/ocsp-response": { schema: z.string().openapi({ format: "binary" }) } },
  },
  400: errorResponses[400],
};

export const postRoute = createRoute({
  method: "post",
  path: "/ocsp",
  tags: ["Revocation"],
  summary: "OCSP (RFC 6960) over POST: body is a DER OCSPRequest",
  request: {
    body: {
      required: true,
      content: { "application/ocsp-request": { schema: z.string().openapi({ format: "binary" }) } },
    },
  },
  responses: ocspResponse,
});

export const getRoute = createRoute({
  method: "get",
  path: "/ocsp/{request}",
  tags: ["Revocation"],
  summary: "OCSP (RFC 6960) over GET: the base64 (URL-encoded) DER OCSPRequest in the path",
  request: { params: z.object({ request: z.string().max(4_096) }) },
  responses: ocspResponse,
});

// Requests are small; anything bigger is not OCSP.
const MAX_REQUEST_BYTES = 8 * 1024;

function respond(c: Context<AppEnv>, der: Buffer) {
  return c.body(new Uint8Array(der), 200, {
    "Content-Type": "application/ocsp-response",
    "Cache-Control": "max-age=300",
  });
}

export function registerOcsp(app: OpenAPIHono<AppEnv>) {
  app.openapi(postRoute, async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    const der = body.length > MAX_REQUEST_BYTES ? Buffer.alloc(0) : body;
    return respond(c, await answerOcsp({ ctx: c.var.ctx, requestDer: der }));
  });
  app.openapi(getRoute, async (c) => {
    const { request } = c.req.valid("param");
    // The router has already percent-decoded the parameter; base64 never throws.
    const der = Buffer.from(request, "base64");
    return respond(c, await answerOcsp({ ctx: c.var.ctx, requestDer: der }));
  });
}
