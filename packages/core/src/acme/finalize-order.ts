import { acmeOrders, certificateRequests } from "@certq/db";
import { encodePem, PkiError, parseCsr } from "@certq/pki";
import { and, eq } from "drizzle-orm";
import { base64url } from "jose";
import { z } from "zod";
import { assertCaCanSign } from "../cas/find-ca";
import { hashRequestBody } from "../certificate-requests/request-hash";
import { resolveRequest } from "../certificate-requests/resolve-request";
import { BadRequestError, PolicyViolationError } from "../errors";
import { violatedConstraint } from "../pg-errors";
import { findIssuingProfile } from "../profiles/find-issuing-profile";
import type { AcmePost, AcmeReply } from "./acme-context";
import { AcmeProblem } from "./acme-problem";
import { findAcmeProfile } from "./acme-profile";
import {
  alreadyReplaced,
  findAccountOrder,
  identifierToAltName,
  orderReply,
  syncOrder,
} from "./orders";
import { verifyAcmeRequest } from "./verify-jws";

const finalizeSchema = z.looseObject({ csr: z.string().min(1).max(65_536) });

const nameKey = (type: string, value: string) => `${type}:${value.toLowerCase()}`;

/**
 * RFC 8555 7.4: finalize. The CSR must name exactly the order's identifiers; the profile's
 * whole policy applies as to an API submission (resolveRequest). One statement moves the
 * order from ready to processing in the transaction that stores the certificate request,
 * so finalize twice makes one request; the issuance worker then signs it as any other.
 */
export async function finalizeAcmeOrder(post: AcmePost & { orderId: string }): Promise<AcmeReply> {
  const { ctx } = post;
  const profile = await findAcmeProfile(ctx, post.profileId);
  const { payload, account } = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid", schema: finalizeSchema },
  );
  if (!payload || !account) throw new AcmeProblem("malformed", "finalize needs {csr}");
  const order = await syncOrder(ctx, await findAccountOrder(ctx, account.id, post.orderId));
  if (order.status !== "ready") {
    throw new AcmeProblem(
      "orderNotReady",
      `The order is ${order.status}; finalize needs it ready (every authorization valid)`,
    );
  }

  let pem: string;
  let csr: Awaited<ReturnType<typeof parseCsr>>;
  try {
    pem = encodePem("CERTIFICATE REQUEST", Buffer.from(base64url.decode(payload.csr)));
    csr = await parseCsr(pem);
  } catch (error) {
    throw new AcmeProblem("badCSR", `The CSR cannot be used: ${(error as Error).message}`);
  }
  const ordered = new Set(
    order.identifiers.map((id) => nameKey(identifierToAltName(id).type, id.value)),
  );
  const requested = new Set(csr.altNames.map((name) => nameKey(name.type, name.value)));
  const commonName = csr.subject.commonName;
  if (
    commonName !== undefined &&
    !ordered.has(nameKey("dns_name", commonName)) &&
    !ordered.has(nameKey("ip_address", commonName))
  ) {
    throw new AcmeProblem(
      "badCSR",
      `The CSR's commonName '${commonName}' is not an identifier of the order`,
    );
  }
  const missing = [...ordered].filter((name) => !requested.has(name));
  const extra = [...requested].filter((name) => !ordered.has(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new AcmeProblem(
      "badCSR",
      `The CSR's names differ from the order's identifiers${missing.length ? `; missing: ${missing.join(", ")}` : ""}${extra.length ? `; not in the order: ${extra.join(", ")}` : ""}`,
    );
  }

  const now = ctx.now();
  let resolved: Awaited<ReturnType<typeof resolveRequest>>;
  try {
    assertCaCanSign(profile.ca, now);
    resolved = await resolveRequest({
      profile: profile.profile,
      ca: profile.ca,
      attributes: {
        notBefore: order.notBefore ?? undefined,
        notAfter: order.notAfter ?? undefined,
      } as Parameters<typeof resolveRequest>[0]["attributes"],
      csr: pem,
      now,
      // The CA chain's nameConstraints, as an API submission is checked (the worker checks again).
      nameConstraints: (await findIssuingProfile(ctx, profile.profile.id)).nameConstraints,
    });
  } catch (error) {
    if (
      error instanceof PolicyViolationError ||
      error instanceof BadRequestError ||
      error instanceof PkiError
    ) {
      throw new AcmeProblem("badCSR", `The profile refuses this CSR: ${error.message}`);
    }
    throw error;
  }
  // The account's principal is rate-limited as its token would be through the API.
  await post.acme.admit({
    tokenId: account.tokenId ?? `acme-${account.id}`,
    tokenName: `acme account ${account.id}`,
    scopes: [],
  });

  let requestId: string;
  try {
    requestId = await ctx.db.transaction(async (tx) => {
      const [claimed] = await tx
        .update(acmeOrders)
        .set({ status: "processing" })
        .where(and(eq(acmeOrders.id, order.id), eq(acmeOrders.status, "ready")))
        .returning({ id: acmeOrders.id });
      if (!claimed) throw new AcmeProblem("orderNotReady", "The order was finalized meanwhile");
      const [request] = await tx
        .insert(certificateRequests)
        .values({
          profileId: profile.profile.id,
          caId: profile.ca.id,
          kind: resolved.kind,
          params: resolved.params,
          csr: resolved.csr,
          tokenId: account.tokenId,
          requestHash: hashRequestBody({ acmeOrder: order.id, csr: payload.csr }),
          replacesCertificateId: order.replacesCertificateId,
        })
        .returning({ id: certificateRequests.id });
      if (!request) throw new Error("certificate request insert returned no row");
      await tx
        .update(acmeOrders)
        .set({ certificateRequestId: request.id })
        .where(eq(acmeOrders.id, order.id));
      return request.id;
    });
  } catch (error) {
    // Another order renewed the same certificate since new-order checked (RFC 9773 5).
    if (violatedConstraint(error) === "certificate_requests_replaces_key") throw alreadyReplaced();
    throw error;
  }
  // Committed, so never lost: if Redis refuses now, the reconciler enqueues it later.
  await post.acme
    .enqueueIssuance(requestId)
    .catch((error: unknown) =>
      ctx.log.warn(
        { requestId, err: (error as Error).message },
        "ACME issuance not enqueued; the reconciler will",
      ),
    );
  ctx.log.info({ orderId: order.id, requestId }, "ACME order finalized");
  const [current] = await ctx.db.select().from(acmeOrders).where(eq(acmeOrders.id, order.id));
  return orderReply(ctx, profile.urls, current ?? order);
}
