import {
  acmeAuthorization,
  acmeChallenge,
  changeAcmeAccountKey,
  checkAcmeDirectory,
  downloadAcmeCertificate,
  finalizeAcmeOrder,
  getAcmeDirectory,
  getAcmeOrder,
  getAcmeRenewalInfo,
  listAcmeOrders,
  newAcmeAccount,
  newAcmeOrder,
  revokeAcmeCertificate,
  updateAcmeAccount,
} from "@certq/core";
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { acmeHeaders, acmeOnError, readAcmePost, sendAcmeReply } from "./acme-http";

export const ACME_BASE = "/acme/profiles/:profileId";

/**
 * The RFC 8555 server of every profile that enables ACME, as one sub-app: its error shape
 * (problem documents) and headers (Replay-Nonce, index link) are set here once. Handlers
 * only hand the request to a core verb; clients authenticate by JWS, not bearer tokens.
 */
export function createAcmeApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(acmeOnError);
  app.use(`${ACME_BASE}/*`, acmeHeaders);

  app.get(`${ACME_BASE}/directory`, async function acmeDirectory(c) {
    const { profileId } = c.req.param();
    return sendAcmeReply(c, await getAcmeDirectory({ ctx: c.var.ctx, profileId }));
  });
  // RFC 8555 7.2: HEAD answers 200, GET 204, both with the nonce acmeHeaders adds (hono
  // serves HEAD through the GET route).
  app.get(`${ACME_BASE}/new-nonce`, async function acmeNonce(c) {
    await checkAcmeDirectory({ ctx: c.var.ctx, profileId: c.req.param("profileId") });
    return c.body(null, c.req.method === "HEAD" ? 200 : 204);
  });

  // RFC 9773 4.2: an unauthenticated GET, so any client (or monitor) can ask.
  app.get(`${ACME_BASE}/renewal-info/:certId`, async function acmeRenewalInfo(c) {
    const { profileId, certId } = c.req.param();
    return sendAcmeReply(c, await getAcmeRenewalInfo({ ctx: c.var.ctx, profileId, certId }));
  });

  const post = (
    path: string,
    verb: (
      post: Awaited<ReturnType<typeof readAcmePost>>,
      params: Record<string, string>,
    ) => ReturnType<typeof newAcmeAccount>,
  ) =>
    app.post(`${ACME_BASE}${path}`, async function acmePost(c) {
      const params = c.req.param() as Record<string, string>;
      const request = await readAcmePost(c, params.profileId as string);
      return sendAcmeReply(c, await verb(request, params));
    });

  post("/new-account", (p) => newAcmeAccount(p));
  post("/accounts/:accountId", (p, { accountId }) =>
    updateAcmeAccount({ ...p, accountId: accountId as string }),
  );
  post("/accounts/:accountId/orders", (p, { accountId }) =>
    listAcmeOrders({ ...p, accountId: accountId as string }),
  );
  post("/key-change", (p) => changeAcmeAccountKey(p));
  post("/new-order", (p) => newAcmeOrder(p));
  post("/orders/:orderId", (p, { orderId }) => getAcmeOrder({ ...p, orderId: orderId as string }));
  post("/orders/:orderId/finalize", (p, { orderId }) =>
    finalizeAcmeOrder({ ...p, orderId: orderId as string }),
  );
  post("/authz/:authorizationId", (p, { authorizationId }) =>
    acmeAuthorization({ ...p, authorizationId: authorizationId as string }),
  );
  post("/challenges/:challengeId", (p, { challengeId }) =>
    acmeChallenge({ ...p, challengeId: challengeId as string }),
  );
  post("/certificates/:certificateId", (p, { certificateId }) =>
    downloadAcmeCertificate({ ...p, certificateId: certificateId as string }),
  );
  post("/revoke-cert", (p) => revokeAcmeCertificate(p));
  return app;
}
