import {
  type AcmePost,
  AcmeProblem,
  type AcmeReply,
  hasConnectionFaultCode,
  RateLimitedError,
  UnavailableError,
} from "@certq/core";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../env";

/** Every ACME POST is a JWS (RFC 8555 6.2). */
const JOSE_JSON = /^application\/jose\+json\b/i;

/** The route's view of one POST: the raw body and the URL its JWS must name. */
export async function readAcmePost(c: Context<AppEnv>, profileId: string): Promise<AcmePost> {
  const type = c.req.header("content-type") ?? "";
  if (!JOSE_JSON.test(type)) {
    throw new AcmeProblem(
      "malformed",
      `Content-Type must be application/jose+json, got '${type || "none"}'`,
      {
        status: 415,
      },
    );
  }
  return {
    ctx: c.var.ctx,
    acme: c.var.acme,
    profileId,
    url: `${c.var.ctx.publicUrl}${c.req.path}`,
    body: await c.req.text(),
  };
}

export function sendAcmeReply(c: Context<AppEnv>, reply: AcmeReply): Response {
  if (reply.location) c.header("Location", reply.location);
  for (const link of reply.links ?? []) c.header("Link", link, { append: true });
  if (reply.retryAfter !== undefined) c.header("Retry-After", String(reply.retryAfter));
  const status = reply.status as ContentfulStatusCode;
  if (typeof reply.body === "string") {
    return c.body(reply.body, status, { "Content-Type": reply.contentType ?? "text/plain" });
  }
  return c.json(reply.body, status);
}

function problemOf(error: Error): AcmeProblem | undefined {
  if (error instanceof AcmeProblem) return error;
  if (error instanceof RateLimitedError) {
    return new AcmeProblem("rateLimited", error.message, { retryAfter: error.retryAfterSeconds });
  }
  if (error instanceof UnavailableError || hasConnectionFaultCode(error)) {
    return new AcmeProblem(
      "serverInternal",
      "A backing service is unavailable; try again shortly",
      {
        status: 503,
        retryAfter: 5,
      },
    );
  }
  return undefined;
}

/** RFC 7807 problem documents with ACME types, for every error under /acme. */
export function acmeOnError(error: Error, c: Context<AppEnv>): Response {
  let problem = problemOf(error);
  if (!problem) {
    c.var.ctx?.log.error({ err: error }, "unhandled ACME error");
    problem = new AcmeProblem("serverInternal", "Internal server error");
  }
  if (problem.retryAfter !== undefined) c.header("Retry-After", String(problem.retryAfter));
  if (problem.location) c.header("Location", problem.location);
  return c.body(JSON.stringify(problem.toDocument()), problem.status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
  });
}

/**
 * Every ACME answer, errors included, carries a fresh Replay-Nonce (clients retry a
 * badNonce with it) and the directory's index link (RFC 8555 6.5, 7.1).
 */
export const acmeHeaders = createMiddleware<AppEnv>(async function acmeHeaders(c, next) {
  await next();
  const profileId = c.req.param("profileId");
  if (profileId) {
    c.header("Link", `<${c.var.ctx.publicUrl}/acme/profiles/${profileId}/directory>;rel="index"`, {
      append: true,
    });
  }
  try {
    c.header("Replay-Nonce", await c.var.acme.nonces.issue());
  } catch (error) {
    c.var.ctx.log.warn({ err: (error as Error).message }, "no nonce issued");
  }
  c.header("Cache-Control", "no-store");
});
