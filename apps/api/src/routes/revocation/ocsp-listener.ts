import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiMetrics } from "../../metrics";
import { errorPayload } from "../../middleware/error-body";
import { answerFor, INTERNAL_ERROR } from "../../middleware/errors";
import { REQUEST_ID_HEADER, requestIdOf } from "../../middleware/request-id";
import { SECURITY_HEADERS } from "../../middleware/security-headers";
import { MAX_OCSP_PATH_CHARS } from "./ocsp";
import { MAX_OCSP_REQUEST_BYTES, type OcspResponder } from "./ocsp-responder";

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

  const send = (exchange: Exchange, status: number, head: string[], latin1: string | null) => {
    const { res } = exchange;
    head.push(...SECURITY, REQUEST_ID_HEADER, exchange.requestId);
    if (latin1 === null) {
      res.writeHead(status, head);
      res.end();
    } else {
      // A string body goes out with the header block in one write; a Buffer would take two.
      head.push("Content-Length", String(latin1.length));
      res.writeHead(status, head);
      res.end(latin1, "latin1");
    }
    const seconds = (performance.now() - exchange.started) / 1000;
    metrics?.record(exchange.method, exchange.route, status, seconds);
  };

  const fail = (exchange: Exchange, error: unknown) => {
    // Already logged by the responder; the body is the app's error shape (onError's).
    const failed = answerFor(error) ?? INTERNAL_ERROR;
    const head = ["Content-Type", "application/json", "Cache-Control", "no-store"];
    if (failed.retryAfterSeconds !== undefined) {
      head.push("Retry-After", String(failed.retryAfterSeconds));
    }
    const payload = errorPayload(exchange.requestId, failed.status, failed.message, failed.details);
    send(exchange, failed.status, head, Buffer.from(JSON.stringify(payload)).toString("latin1"));
  };

  const answer = (exchange: Exchange, der: Buffer) => {
    let answered: ReturnType<OcspResponder>;
    try {
      answered = respond({
        method: exchange.method,
        der,
        ifNoneMatch: header(exchange.req, "if-none-match"),
        requestId: exchange.requestId,
      });
    } catch (error) {
      // The responder logs its failures, thrown or rejected.
      return fail(exchange, error);
    }
    if (answered instanceof Promise) {
      answered.then(
        (http) => send(exchange, http.status, http.headers, http.latin1),
        (error: unknown) => fail(exchange, error),
      );
    } else {
      send(exchange, answered.status, answered.headers, answered.latin1);
    }
  };

  return function ocspListener(req, res) {
    const url = req.url ?? "";
    if (req.method === "GET") {
      const der = getRequestDer(url);
      if (!der) return false;
      answer(exchangeOf(req, res, GET_ROUTE), der);
      return true;
    }
    if (req.method !== "POST" || url !== POST_ROUTE || !isSmallOcspBody(req)) return false;
    const exchange = exchangeOf(req, res, POST_ROUTE);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () =>
      answer(exchange, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    // A client gone mid-body: there is no one to answer.
    req.on("error", () => res.destroy());
    return true;
  };
}

/** One request the listener took, and what its answer and metrics need. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  route: string;
  requestId: string;
  started: number;
}

function exchangeOf(req: IncomingMessage, res: ServerResponse, route: string): Exchange {
  return {
    req,
    res,
    method: req.method ?? "",
    route,
    requestId: requestIdOf(header(req, REQUEST_ID)),
    started: performance.now(),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
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
