import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { limitBody } from "../../middleware/json-body";
import { errorResponses } from "../openapi-shared";
import type { OcspHttpAnswer, OcspResponder } from "./ocsp-responder";

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
  // Ahead of the app-wide body limit: this route brings its own.
  middleware: [limitBody] as const,
  request: {
    body: {
      required: true,
      content: { "application/ocsp-request": { schema: z.string().openapi({ format: "binary" }) } },
    },
  },
  responses: ocspResponse,
});

/** The longest base64 request a GET path may hold (longer ones are refused by validation). */
export const MAX_OCSP_PATH_CHARS = 4_096;

export const getRoute = createRoute({
  method: "get",
  path: "/ocsp/{request}",
  tags: ["Revocation"],
  summary: "OCSP (RFC 6960) over GET: the base64 (URL-encoded) DER OCSPRequest in the path",
  request: { params: z.object({ request: z.string().max(MAX_OCSP_PATH_CHARS) }) },
  responses: ocspResponse,
});

/**
 * The OCSP routes in the app: their OpenAPI entries, and the answer for requests that reach
 * the app (in-process tests, and what the node listener leaves to it: HEAD, other body types,
 * bodies without a small Content-Length). Over a real server, most OCSP requests are answered
 * by ocsp-listener.ts before the app; both go through the one responder.
 * Registered ahead of the app's per-request middleware.
 */
export function registerOcsp(app: OpenAPIHono<AppEnv>, respond: OcspResponder) {
  const send = (c: Context<AppEnv>, answer: OcspHttpAnswer) => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < answer.headers.length; i += 2) {
      headers[answer.headers[i] as string] = answer.headers[i + 1] as string;
    }
    return answer.status === 304
      ? c.body(null, 304, headers)
      : c.body(new Uint8Array(answer.body), 200, headers);
  };
  const request = (c: Context<AppEnv>, der: Buffer) => ({
    method: c.req.method,
    der,
    ifNoneMatch: c.req.header("if-none-match"),
    requestId: c.get("requestId"),
  });
  app.openapi(postRoute, async (c) => {
    const der = Buffer.from(await c.req.arrayBuffer());
    return send(c, await respond(request(c, der)));
  });
  app.openapi(getRoute, async (c) => {
    const { request: param } = c.req.valid("param");
    // The router has already percent-decoded the parameter; base64 never throws.
    return send(c, await respond(request(c, Buffer.from(param, "base64"))));
  });
}
