import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiMetrics } from "../../metrics";
import { errorPayload } from "../../middleware/error-body";
import { answerFor, INTERNAL_ERROR } from "../../middleware/errors";
import { REQUEST_ID_HEADER, requestIdOf } from "../../middleware/request-id";
import { SECURITY_HEADERS } from "../../middleware/security-headers";
import { MAX_OCSP_PATH_CHARS } from "./ocsp";
import { MAX_OCSP_REQUEST_BYTES, type OcspHttpAnswer, type OcspResponder } from "./ocsp-responder";

/** Takes a request it answers (true), or leaves it alone for the app (false). */
export type OcspListener = (req: IncomingMessage, res: ServerResponse) => boolean;

const GET_PREFIX = "/ocsp/";
// The routes as hono's matchedRoutes names them, so both ways in count in one series.
const GET_ROUTE = "/ocsp/:request";
const POST_ROUTE = "/ocsp";

const SECURITY = Object.entries(SECURITY_HEADERS).flat();
const REQUEST_ID = REQUEST_ID_HEADER.toLowerCase();

/**
 * OCSP straight off node's request, ahead of the hono adapter: browsers ask on every TLS
 * connection, and a pre-signed answer costs less than the fetch Request and Response the
 * adapter builds for it. It takes only the plain cases, GET /ocsp/{request} and POST /ocsp of
 * application/ocsp-request with a Content-Length up to MAX_OCSP_REQUEST_BYTES; anything else
 * (HEAD, other types, chunked or large bodies, odd paths) goes on to the app's routes, which
 * answer through the same responder. What the app adds to every answer is added here too:
 * security headers, the request ID, the request metrics.
 */
export function createOcspListener(deps: {
  respond: OcspResponder;
  metrics?: ApiMetrics;
}): OcspListener {
  const { respond, metrics } = deps;

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    der: Buffer,
    started: number,
  ) => {
    const requestId = requestIdOf(header(req, REQUEST_ID));
    const method = req.method ?? "";
    const finish = (status: number, head: string[], body: Buffer | null) => {
      head.push(...SECURITY, REQUEST_ID_HEADER, requestId);
      if (body) head.push("Content-Length", String(body.length));
      res.writeHead(status, head);
      res.end(body ?? undefined);
      metrics?.record(method, route, status, (performance.now() - started) / 1000);
    };
    respond({ method, der, ifNoneMatch: header(req, "if-none-match"), requestId }).then(
      (http: OcspHttpAnswer) => finish(http.status, flatten(http.headers), http.body),
      (error: unknown) => {
        // Already logged by the responder; the body is the app's error shape (onError's).
        const failed = answerFor(error) ?? INTERNAL_ERROR;
        const head = ["Content-Type", "application/json", "Cache-Control", "no-store"];
        if (failed.retryAfterSeconds !== undefined) {
          head.push("Retry-After", String(failed.retryAfterSeconds));
        }
        const payload = errorPayload(requestId, failed.status, failed.message, failed.details);
        finish(failed.status, head, Buffer.from(JSON.stringify(payload)));
      },
    );
  };

  return function ocspListener(req, res) {
    const url = req.url ?? "";
    if (req.method === "GET") {
      const der = getRequestDer(url);
      if (!der) return false;
      answer(req, res, GET_ROUTE, der, performance.now());
      return true;
    }
    if (req.method !== "POST" || url !== POST_ROUTE || !isSmallOcspBody(req)) return false;
    const started = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const der = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      answer(req, res, POST_ROUTE, der, started);
    });
    // A client gone mid-body: there is no one to answer.
    req.on("error", () => res.destroy());
    return true;
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function flatten(headers: Record<string, string>): string[] {
  const head: string[] = [];
  for (const name in headers) head.push(name, headers[name] as string);
  return head;
}

/** The DER of GET /ocsp/{request}, percent- and base64-decoded; undefined if not that route. */
function getRequestDer(url: string): Buffer | undefined {
  if (!url.startsWith(GET_PREFIX)) return undefined;
  const query = url.indexOf("?", GET_PREFIX.length);
  let param = url.slice(GET_PREFIX.length, query === -1 ? undefined : query);
  // Unencoded '/' is another route to the router (a 404), as is an empty parameter.
  if (param.length === 0 || param.includes("/")) return undefined;
  if (param.includes("%")) {
    try {
      param = decodeURIComponent(param);
    } catch {
      return undefined;
    }
  }
  if (param.length > MAX_OCSP_PATH_CHARS) return undefined;
  return Buffer.from(param, "base64");
}

/** An OCSP body whose Content-Length settles the body limit before a byte is read. */
function isSmallOcspBody(req: IncomingMessage): boolean {
  const { headers } = req;
  if (headers["content-type"]?.toLowerCase() !== "application/ocsp-request") return false;
  if (headers["transfer-encoding"] !== undefined) return false;
  const length = headers["content-length"];
  return (
    length !== undefined && /^\d{1,4}$/.test(length) && Number(length) <= MAX_OCSP_REQUEST_BYTES
  );
}
