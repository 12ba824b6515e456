import { createHash } from "node:crypto";
import { answerOcsp, type OcspAnswer, type OcspCache, type ServiceContext } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { limitBody } from "../../middleware/json-body";
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

export const getRoute = createRoute({
  method: "get",
  path: "/ocsp/{request}",
  tags: ["Revocation"],
  summary: "OCSP (RFC 6960) over GET: the base64 (URL-encoded) DER OCSPRequest in the path",
  request: { params: z.object({ request: z.string().max(4_096) }) },
  responses: ocspResponse,
});

/** What HTTP caches may keep a shared answer at most; revocations show after this at worst. */
const MAX_AGE_SECONDS = 300;

// Requests are small; anything bigger is not OCSP.
const MAX_REQUEST_BYTES = 8 * 1024;

/**
 * RFC 5019 section 5: a shared answer (no nonce) may be cached by HTTP caches until a little
 * before its nextUpdate, and carries Last-Modified, Expires and an ETag; a GET repeating the
 * ETag in If-None-Match gets 304. An answer to a nonce is the asker's alone.
 */
function respond(c: Context<AppEnv>, answer: OcspAnswer) {
  const { der, thisUpdate, nextUpdate } = answer;
  const headers: Record<string, string> = { "Content-Type": "application/ocsp-response" };
  if (answer.shared && thisUpdate && nextUpdate) {
    const now = Date.now();
    const maxAge = Math.max(0, Math.floor((nextUpdate.getTime() - now) / 1000) - 60);
    headers["Cache-Control"] =
      `max-age=${Math.min(maxAge, MAX_AGE_SECONDS)}, public, no-transform, must-revalidate`;
    headers["Last-Modified"] = thisUpdate.toUTCString();
    headers.Expires = nextUpdate.toUTCString();
    headers.ETag = `"${createHash("sha256").update(der).digest("base64url").slice(0, 32)}"`;
    if (c.req.method === "GET" && c.req.header("if-none-match") === headers.ETag) {
      return c.body(null, 304, headers);
    }
  } else {
    headers["Cache-Control"] = "no-store";
  }
  return c.body(new Uint8Array(der), 200, headers);
}

/** Registered ahead of the app's per-request middleware, so it is given the context itself. */
export function registerOcsp(
  app: OpenAPIHono<AppEnv>,
  deps: { ctx: ServiceContext; cache?: OcspCache },
) {
  const { ctx, cache } = deps;
  // The app's error handler logs through the per-request logger, which OCSP goes without.
  const answer = (c: Context<AppEnv>, requestDer: Buffer) =>
    answerOcsp({ ctx, requestDer, cache }).catch((error: unknown) => {
      ctx.log.error({ reqId: c.get("requestId"), err: error }, "OCSP request failed");
      throw error;
    });
  app.openapi(postRoute, async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    const der = body.length > MAX_REQUEST_BYTES ? Buffer.alloc(0) : body;
    return respond(c, await answer(c, der));
  });
  app.openapi(getRoute, async (c) => {
    const { request } = c.req.valid("param");
    // The router has already percent-decoded the parameter; base64 never throws.
    const der = Buffer.from(request, "base64");
    return respond(c, await answer(c, der));
  });
}
