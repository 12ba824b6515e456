import type { AcmeDeps, AnnounceRevocation, IssuanceClient, ServiceContext } from "@certq/core";
import { getConnInfo } from "@hono/node-server/conninfo";
import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { Queue } from "bullmq";
import type { AppEnv } from "./env";
import type { ApiMetrics } from "./metrics";
import { authorize } from "./middleware/auth";
import { notFound, onError } from "./middleware/errors";
import { limitBody, requireJsonBody } from "./middleware/json-body";
import { requestId } from "./middleware/request-id";
import { securityHeaders } from "./middleware/security-headers";
import { defaultHook } from "./middleware/validation";
import { createAcmeApp } from "./routes/acme/acme-app";
import { registerQueueDashboard } from "./routes/admin/queue-dashboard";
import { registerListAuditLogs } from "./routes/audit-logs/list";
import { registerGetCaCertificate } from "./routes/cas/certificate";
import { registerCreateCa } from "./routes/cas/create";
import { registerGetCaCsr } from "./routes/cas/csr";
import { registerGetCa } from "./routes/cas/get";
import { registerImportCaCertificate } from "./routes/cas/import-certificate";
import { registerListCas } from "./routes/cas/list";
import { registerSignIntermediate } from "./routes/cas/sign-intermediate";
import { registerUpdateCa } from "./routes/cas/update";
import { registerGetCertificateRequest } from "./routes/certificate-requests/get";
import { registerListCertificateRequests } from "./routes/certificate-requests/list";
import { registerCertificateDetails } from "./routes/certificates/details";
import { registerIssueCertificateV3 } from "./routes/certificates/issue-v3";
import { registerListCertificates } from "./routes/certificates/list";
import { registerGetPrivateKey } from "./routes/certificates/private-key";
import { registerRenewCertificate } from "./routes/certificates/renew";
import { registerSubmitCertificate } from "./routes/certificates/submit";
import { registerSubmitCertificateBatch } from "./routes/certificates/submit-batch";
import { SCALAR_SCRIPT_PATH, serveScalarScript } from "./routes/docs/scalar-script";
import { type ReadinessChecks, registerHealth } from "./routes/health/health";
import { createOrganizationCertificatesApp } from "./routes/organization-certificates/organization-app";
import { registerAcmeEabKeys } from "./routes/profiles/acme-eab-keys";
import { registerCreateProfile } from "./routes/profiles/create";
import { registerDeleteProfile } from "./routes/profiles/delete";
import { registerGetProfile } from "./routes/profiles/get";
import { registerListProfiles } from "./routes/profiles/list";
import { registerUpdateProfile } from "./routes/profiles/update";
import { registerGetCaCertificateDer } from "./routes/revocation/ca-certificate-der";
import { registerGetCrl } from "./routes/revocation/crl";
import { registerOcsp } from "./routes/revocation/ocsp";
import { createOcspResponder, type OcspResponder } from "./routes/revocation/ocsp-responder";
import { registerRevokeCertificate } from "./routes/revocation/revoke";
import { registerCreateToken } from "./routes/tokens/create";
import { registerDeleteToken } from "./routes/tokens/delete";
import { registerListTokens } from "./routes/tokens/list";

export interface AppDeps {
  ctx: ServiceContext;
  issuance: IssuanceClient;
  /** How long POST /api/v3/pki/certificates/issue-certificate waits for the worker. */
  syncWaitMs: number;
  announceRevocation: AnnounceRevocation;
  readiness: ReadinessChecks;
  /** Nonces, validation queue and issuance hooks of the ACME server (/acme/profiles/...). */
  acme: AcmeDeps;
  metrics?: ApiMetrics;
  /**
   * Whether the app answers GET /metrics (for tokens with `metrics:read`); false when a
   * listener of its own serves them (CERTQ_METRICS_PORT). Default true.
   */
  metricsRoute?: boolean;
  /** Queues shown on the admin dashboard at /admin/queues; none, no dashboard. */
  dashboardQueues?: Queue[];
  /**
   * Answers OCSP (the node listener of the wiring shares it); none, one without a cache, so
   * every OCSP request is signed afresh.
   */
  ocsp?: OcspResponder;
}

/** The one app factory, shared by the server entry points and the tests. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });

  if (deps.metrics) app.use(deps.metrics.measure);
  app.use(securityHeaders);
  app.use(requestId);
  // OCSP is public and the hottest route (browsers ask on every TLS connection): it is
  // answered ahead of the per-request logger and its access-log line. Over a real server
  // most OCSP requests do not get this far (routes/revocation/ocsp-listener.ts).
  registerOcsp(app, deps.ocsp ?? createOcspResponder({ ctx: deps.ctx }));
  app.use(async function provideContext(c, next) {
    // A per-request logger, so every line a verb writes carries the request ID.
    const log = deps.ctx.log.child({ reqId: c.get("requestId") });
    const origin = { requestId: c.get("requestId"), sourceAddress: peerAddress(c) };
    c.set("ctx", {
      ...deps.ctx,
      issuance: deps.issuance,
      announceRevocation: deps.announceRevocation,
      log,
      origin,
    });
    c.set("issuance", deps.issuance);
    c.set("syncWaitMs", deps.syncWaitMs);
    c.set("acme", deps.acme);
    const started = performance.now();
    await next();
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
  });
  if (deps.metrics) {
    const metrics = deps.metrics;
    if (deps.metricsRoute !== false) {
      app.get("/metrics", authorize("metrics:read"), async function scrape(c) {
        const { body, contentType } = await metrics.render();
        return c.body(body, 200, { "Content-Type": contentType });
      });
    }
  }
  app.use(limitBody);
  app.use(requireJsonBody);
  app.onError(onError);
  app.notFound(notFound);

  registerHealth(app, deps.readiness);
  registerCreateCa(app);
  registerListCas(app);
  registerGetCa(app);
  registerUpdateCa(app);
  registerGetCaCertificate(app);
  registerGetCaCsr(app);
  registerImportCaCertificate(app);
  registerSignIntermediate(app);
  registerCreateToken(app);
  registerListTokens(app);
  registerDeleteToken(app);
  registerCreateProfile(app);
  registerListProfiles(app);
  registerGetProfile(app);
  registerUpdateProfile(app);
  registerDeleteProfile(app);
  registerAcmeEabKeys(app);
  registerSubmitCertificate(app);
  registerSubmitCertificateBatch(app);
  registerListCertificateRequests(app);
  registerGetCertificateRequest(app);
  registerListCertificates(app);
  registerIssueCertificateV3(app);
  registerGetPrivateKey(app);
  registerCertificateDetails(app);
  app.route("/", createOrganizationCertificatesApp());
  registerRevokeCertificate(app);
  registerRenewCertificate(app);
  registerGetCrl(app);
  registerGetCaCertificateDer(app);
  registerListAuditLogs(app);
  app.route("/", createAcmeApp());

  if (deps.dashboardQueues?.length) registerQueueDashboard(app, deps.dashboardQueues);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
  });
  // An interactive reference for /openapi.json; its script is served from here, not a CDN,
  // so the page works on closed networks.
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      pageTitle: "certq API",
      cdn: SCALAR_SCRIPT_PATH,
      withDefaultFonts: false,
    }),
  );
  // Browsers ask for it on every page; an empty answer keeps their consoles clean.
  app.get("/favicon.ico", (c) => c.body(null, 204));
  app.get(SCALAR_SCRIPT_PATH, serveScalarScript);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "certq",
      version: "0.1.0",
      description: "A private certificate authority for asynchronous issuance",
    },
    servers: [{ url: "http://localhost:8080", description: "Local server" }],
    // The reference's sidebar follows this order, not the order routes are registered in
    // (OCSP is registered first, ahead of the logger).
    tags: [
      { name: "Health", description: "Liveness and readiness" },
      { name: "Certificate Authorities", description: "Root and intermediate CAs, their CRLs" },
      { name: "Certificate Profiles", description: "Issuance policy and defaults per use" },
      { name: "PKI Certificates", description: "Requests, issued certificates, revocation" },
      { name: "Organization Certificates", description: "OpenAI-style certificate objects" },
      { name: "Revocation", description: "OCSP (RFC 6960, RFC 5019)" },
      { name: "Access Tokens", description: "API tokens and their scopes" },
      { name: "ACME", description: "RFC 8555 server and its external account binding keys" },
      { name: "Audit", description: "The hash-chained audit log" },
    ],
  });
  return app;
}

export type App = ReturnType<typeof createApp>;

/** The TCP peer, for the audit log; null in-process (app.request() in tests has no socket). */
function peerAddress(c: Parameters<typeof getConnInfo>[0]): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
