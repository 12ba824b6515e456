import { createHash } from "node:crypto";
import { answerOcsp, type OcspCache, type ServiceContext } from "@certq/core";

/** What HTTP caches may keep a shared answer at most; revocations show after this at worst. */
const MAX_AGE_SECONDS = 300;

/** Requests are small; anything bigger is not OCSP (and is answered malformedRequest). */
export const MAX_OCSP_REQUEST_BYTES = 8 * 1024;

export interface OcspHttpRequest {
  method: string;
  /** The DER OCSPRequest: the POST body, or the GET path's base64, decoded. */
  der: Buffer;
  ifNoneMatch: string | undefined;
  /** For the failure's log line. */
  requestId: string;
}

/** An OCSP answer as HTTP, before the app-wide headers (security headers, request ID). */
export type OcspHttpAnswer = { headers: Record<string, string> } & (
  | { status: 200; body: Buffer }
  | { status: 304; body: null }
);

/** Answers one OCSP request over HTTP; rejects (after logging) when it cannot be answered. */
export type OcspResponder = (request: OcspHttpRequest) => Promise<OcspHttpAnswer>;

interface Validators {
  etag: string;
  lastModified: string;
  expires: string;
}

/**
 * The one place that turns an OCSP request into its HTTP answer, for the hono route and the
 * node listener alike. RFC 5019 section 5: a shared answer (no nonce) may be cached by HTTP
 * caches until a little before its nextUpdate, and carries Last-Modified, Expires and an
 * ETag; a GET repeating the ETag in If-None-Match gets 304. An answer to a nonce is the
 * asker's alone. Signing, the cache and its fallbacks are answerOcsp's.
 */
export function createOcspResponder(deps: { ctx: ServiceContext; cache?: OcspCache }) {
  const { ctx, cache } = deps;
  // A pre-signed answer is the same Buffer on every hit: its validators are worked out once.
  const validatorsByDer = new WeakMap<Buffer, Validators>();
  const validatorsOf = (der: Buffer, thisUpdate: Date, nextUpdate: Date) => {
    let validators = validatorsByDer.get(der);
    if (!validators) {
      validators = {
        etag: `"${createHash("sha256").update(der).digest("base64url").slice(0, 32)}"`,
        lastModified: thisUpdate.toUTCString(),
        expires: nextUpdate.toUTCString(),
      };
      validatorsByDer.set(der, validators);
    }
    return validators;
  };

  const respondOcsp: OcspResponder = async (request) => {
    const requestDer = request.der.length > MAX_OCSP_REQUEST_BYTES ? Buffer.alloc(0) : request.der;
    // Logged here: OCSP is answered without the per-request logger the error handler uses.
    const answer = await answerOcsp({ ctx, requestDer, cache }).catch((error: unknown) => {
      ctx.log.error({ reqId: request.requestId, err: error }, "OCSP request failed");
      throw error;
    });
    const { der, thisUpdate, nextUpdate } = answer;
    if (!answer.shared || !thisUpdate || !nextUpdate) {
      return {
        status: 200,
        headers: { "Content-Type": "application/ocsp-response", "Cache-Control": "no-store" },
        body: der,
      };
    }
    const { etag, lastModified, expires } = validatorsOf(der, thisUpdate, nextUpdate);
    const maxAge = Math.max(0, Math.floor((nextUpdate.getTime() - Date.now()) / 1000) - 60);
    const headers = {
      "Content-Type": "application/ocsp-response",
      "Cache-Control": `max-age=${Math.min(maxAge, MAX_AGE_SECONDS)}, public, no-transform, must-revalidate`,
      "Last-Modified": lastModified,
      Expires: expires,
      ETag: etag,
    };
    if (request.method === "GET" && request.ifNoneMatch === etag) {
      return { status: 304, headers, body: null };
    }
    return { status: 200, headers, body: der };
  };
  return respondOcsp;
}
