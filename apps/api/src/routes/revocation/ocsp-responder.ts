import { createHash } from "node:crypto";
import {
  answerOcsp,
  answerOcspFromCache,
  type OcspAnswer,
  type OcspCache,
  type ServiceContext,
} from "@certq/core";

/** What HTTP caches may keep a shared answer at most; revocations show after this at worst. */
const MAX_AGE_SECONDS = 300;

/** Requests are small; anything bigger is not OCSP (and is answered malformedRequest). */
export const MAX_OCSP_REQUEST_BYTES = 8 * 1024;

const NOT_SHARED = ["Content-Type", "application/ocsp-response", "Cache-Control", "no-store"];

export interface OcspHttpRequest {
  method: string;
  /** The DER OCSPRequest: the POST body, or the GET path's base64, decoded. */
  der: Buffer;
  ifNoneMatch: string | undefined;
  /** For the failure's log line. */
  requestId: string;
}

/** An OCSP answer as HTTP, before the app-wide headers (security headers, request ID). */
export type OcspHttpAnswer = {
  /** Names and values in turn, as node's writeHead takes them; a new array each time. */
  headers: string[];
} & ({ status: 200; body: Buffer; latin1: string } | { status: 304; body: null; latin1: null });

/**
 * Answers one OCSP request over HTTP; rejects (after logging) when it cannot be answered.
 * Synchronous for a pre-signed answer, so the node listener's hit takes no promise.
 */
export type OcspResponder = (request: OcspHttpRequest) => OcspHttpAnswer | Promise<OcspHttpAnswer>;

/** What a response's bytes and dates give, worked out once per pre-signed response. */
interface Prepared {
  etag: string;
  lastModified: string;
  expires: string;
  /** The body as a latin1 string: node writes it in one piece with the header block. */
  latin1: string;
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
  // A pre-signed answer is the same Buffer on every hit.
  const preparedByDer = new WeakMap<Buffer, Prepared>();
  const prepare = (der: Buffer, thisUpdate: Date, nextUpdate: Date) => {
    let prepared = preparedByDer.get(der);
    if (!prepared) {
      prepared = {
        etag: `"${createHash("sha256").update(der).digest("base64url").slice(0, 32)}"`,
        lastModified: thisUpdate.toUTCString(),
        expires: nextUpdate.toUTCString(),
        latin1: der.toString("latin1"),
      };
      preparedByDer.set(der, prepared);
    }
    return prepared;
  };

  const toHttp = (answer: OcspAnswer, request: OcspHttpRequest): OcspHttpAnswer => {
    const { der, thisUpdate, nextUpdate } = answer;
    if (!answer.shared || !thisUpdate || !nextUpdate) {
      return { status: 200, headers: [...NOT_SHARED], body: der, latin1: der.toString("latin1") };
    }
    const { etag, lastModified, expires, latin1 } = prepare(der, thisUpdate, nextUpdate);
    const maxAge = Math.max(0, Math.floor((nextUpdate.getTime() - Date.now()) / 1000) - 60);
    const headers = [
      "Content-Type",
      "application/ocsp-response",
      "Cache-Control",
      `max-age=${Math.min(maxAge, MAX_AGE_SECONDS)}, public, no-transform, must-revalidate`,
      "Last-Modified",
      lastModified,
      "Expires",
      expires,
      "ETag",
      etag,
    ];
    if (request.method === "GET" && request.ifNoneMatch === etag) {
      return { status: 304, headers, body: null, latin1: null };
    }
    return { status: 200, headers, body: der, latin1 };
  };

  // Logged here: OCSP is answered without the per-request logger the error handler uses.
  const failed = (request: OcspHttpRequest, error: unknown): never => {
    ctx.log.error({ reqId: request.requestId, err: error }, "OCSP request failed");
    throw error;
  };

  const respondOcsp: OcspResponder = (request) => {
    const requestDer = request.der.length > MAX_OCSP_REQUEST_BYTES ? Buffer.alloc(0) : request.der;
    try {
      const hit = answerOcspFromCache({ ctx, requestDer, cache });
      if (hit) return toHttp(hit, request);
    } catch (error) {
      failed(request, error);
    }
    return answerOcsp({ ctx, requestDer, cache }).then(
      (answer) => toHttp(answer, request),
      (error: unknown) => failed(request, error),
    );
  };
  return respondOcsp;
}
