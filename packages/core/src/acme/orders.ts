import { randomBytes } from "node:crypto";
import {
  type AcmeIdentifier,
  type AcmeOrderRow,
  acmeAuthorizations,
  acmeChallenges,
  acmeOrders,
  type CertificateRow,
  certificateRequests,
} from "@certq/db";
import { type AltName, validateAltName } from "@certq/pki";
import { and, asc, eq, inArray, ne } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context";
import { evaluateNamePolicy, profilePolicySchema } from "../policy";
import type { AcmeChallengeType } from "../profiles/enrollment-schema";
import { isUuid } from "../uuid";
import type { AcmePost, AcmeReply } from "./acme-context";
import { AcmeProblem } from "./acme-problem";
import { type AcmeProfile, findAcmeProfile } from "./acme-profile";
import type { AcmeUrls } from "./acme-urls";
import { orderView } from "./acme-views";
import { findCertificateByCertId } from "./renewal-info";
import { verifyAcmeRequest } from "./verify-jws";

/** How long a new order (and its authorizations) may wait for the client. */
const ORDER_LIFETIME_MS = 24 * 3_600_000;
const MAX_IDENTIFIERS = 100;
/** Clients poll a processing order; a second is enough for the queue's usual pace. */
export const ACME_RETRY_AFTER_SECONDS = 1;

const identifierSchema = z.strictObject({
  type: z.string(),
  value: z.string().min(1).max(255),
});

const newOrderSchema = z.looseObject({
  identifiers: z.array(identifierSchema).min(1).max(MAX_IDENTIFIERS),
  notBefore: z.iso.datetime({ offset: true }).optional(),
  notAfter: z.iso.datetime({ offset: true }).optional(),
  /** RFC 9773 5: the certID of the certificate this order replaces. */
  replaces: z.string().min(1).max(512).optional(),
});

export function identifierToAltName(identifier: AcmeIdentifier): AltName {
  return {
    type: identifier.type === "ip" ? "ip_address" : "dns_name",
    value: identifier.value,
  };
}

/** Lowercased DNS names, validated; an IP as its canonical text. */
function normalizeIdentifier(identifier: { type: string; value: string }): AcmeIdentifier {
  if (identifier.type !== "dns" && identifier.type !== "ip") {
    throw new AcmeProblem(
      "unsupportedIdentifier",
      `Identifier type '${identifier.type}' is not supported (dns, ip)`,
    );
  }
  const value = identifier.type === "dns" ? identifier.value.toLowerCase() : identifier.value;
  const normalized: AcmeIdentifier = { type: identifier.type, value };
  const problem = validateAltName(identifierToAltName(normalized));
  if (problem) {
    throw new AcmeProblem("rejectedIdentifier", `Identifier '${identifier.value}': ${problem}`, {
      subproblems: [
        {
          type: "urn:ietf:params:acme:error:rejectedIdentifier",
          detail: problem,
          identifier: normalized,
        },
      ],
    });
  }
  return normalized;
}

function challengeTypesFor(
  identifier: AcmeIdentifier,
  wildcard: boolean,
  offered: AcmeChallengeType[],
) {
  // RFC 8555 7.1.3: wildcards are proven through DNS; IPs (RFC 8738) through HTTP here.
  if (wildcard) return offered.filter((type) => type === "dns-01");
  if (identifier.type === "ip") return offered.filter((type) => type === "http-01");
  return offered;
}

/**
 * RFC 9773 5: what `replaces` names must be a certificate of this directory, ordered by this
 * account, sharing an identifier with the new order, and not renewed already (a request
 * replacing it that has not failed: alreadyReplaced, 409). Finalize checks that last rule
 * again, by the unique index on certificate_requests.replaces_certificate_id.
 */
async function findReplacedCertificate(
  ctx: ServiceContext,
  profile: AcmeProfile,
  accountId: string,
  certId: string,
  identifiers: AcmeIdentifier[],
): Promise<CertificateRow> {
  const row = await findCertificateByCertId(ctx, profile, certId);
  if (!row) {
    throw new AcmeProblem(
      "malformed",
      "replaces: this directory issued no certificate with that certID",
    );
  }
  const [ordered] = await ctx.db
    .select({ id: acmeOrders.id })
    .from(acmeOrders)
    .where(and(eq(acmeOrders.accountId, accountId), eq(acmeOrders.certificateId, row.id)))
    .limit(1);
  if (!ordered) {
    throw new AcmeProblem("malformed", "replaces: the certificate was not ordered by this account");
  }
  const names = new Set(row.altNames.map((name) => `${name.type}:${name.value.toLowerCase()}`));
  const shared = identifiers.some((identifier) => {
    const name = identifierToAltName(identifier);
    return names.has(`${name.type}:${name.value.toLowerCase()}`);
  });
  if (!shared) {
    throw new AcmeProblem(
      "malformed",
      "replaces: the certificate shares no identifier with the order",
    );
  }
  const [renewal] = await ctx.db
    .select({ id: certificateRequests.id })
    .from(certificateRequests)
    .where(
      and(
        eq(certificateRequests.replacesCertificateId, row.id),
        ne(certificateRequests.status, "failed"),
      ),
    )
    .limit(1);
  if (renewal) throw alreadyReplaced();
  return row;
}

export function alreadyReplaced() {
  return new AcmeProblem(
    "alreadyReplaced",
    "The certificate named by replaces is already replaced",
  );
}

/** RFC 8555 7.4: new-order, checked against the profile's name policy at once. */
export async function newAcmeOrder(post: AcmePost): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const { payload, account } = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid", schema: newOrderSchema },
  );
  if (!payload || !account) throw new AcmeProblem("malformed", "new-order needs a payload");
  const identifiers = [
    ...new Map(
      payload.identifiers.map(normalizeIdentifier).map((id) => [`${id.type}:${id.value}`, id]),
    ).values(),
  ];
  const policy = profilePolicySchema.parse(profile.profile.policy);
  const subproblems = identifiers.flatMap((identifier) => {
    const violations = evaluateNamePolicy(policy, { altNames: [identifierToAltName(identifier)] });
    return violations.map((detail) => ({
      type: "urn:ietf:params:acme:error:rejectedIdentifier",
      detail,
      identifier,
    }));
  });
  const plans = identifiers.map((identifier) => {
    const wildcard = identifier.type === "dns" && identifier.value.startsWith("*.");
    const authorized: AcmeIdentifier = wildcard
      ? { type: "dns", value: identifier.value.slice(2) }
      : identifier;
    const types = challengeTypesFor(authorized, wildcard, profile.acme.challengeTypes);
    if (types.length === 0) {
      subproblems.push({
        type: "urn:ietf:params:acme:error:rejectedIdentifier",
        detail: `no challenge type this profile offers (${profile.acme.challengeTypes.join(", ")}) can prove '${identifier.value}'`,
        identifier,
      });
    }
    return { identifier: authorized, wildcard, types };
  });
  if (subproblems.length > 0) {
    throw new AcmeProblem(
      "rejectedIdentifier",
      `The profile's policy refuses: ${subproblems.map((p) => p.detail).join("; ")}`,
      { subproblems },
    );
  }
  const notBefore = payload.notBefore ? new Date(payload.notBefore) : null;
  const notAfter = payload.notAfter ? new Date(payload.notAfter) : null;
  if (notBefore && notAfter && notAfter <= notBefore) {
    throw new AcmeProblem("malformed", "notAfter must be later than notBefore");
  }
  const replaced = payload.replaces
    ? await findReplacedCertificate(post.ctx, profile, account.id, payload.replaces, identifiers)
    : null;
  const now = post.ctx.now();
  const expires = new Date(now.getTime() + ORDER_LIFETIME_MS);
  const { order, authorizationIds } = await post.ctx.db.transaction(async (tx) => {
    const [order] = await tx
      .insert(acmeOrders)
      .values({
        accountId: account.id,
        profileId: profile.profile.id,
        identifiers,
        notBefore,
        notAfter,
        expires,
        replacesCertificateId: replaced?.id ?? null,
        replaces: replaced ? payload.replaces : null,
      })
      .returning();
    if (!order) throw new Error("order insert returned no row");
    const authorizations = await tx
      .insert(acmeAuthorizations)
      .values(
        plans.map((plan) => ({
          orderId: order.id,
          identifier: plan.identifier,
          wildcard: plan.wildcard,
          expires,
        })),
      )
      .returning({ id: acmeAuthorizations.id });
    await tx.insert(acmeChallenges).values(
      plans.flatMap((plan, i) =>
        plan.types.map((type) => ({
          authorizationId: authorizations[i]?.id as string,
          type,
          token: randomBytes(32).toString("base64url"),
        })),
      ),
    );
    return { order, authorizationIds: authorizations.map((a) => a.id) };
  });
  post.ctx.log.info(
    {
      profileId: profile.profile.id,
      accountId: account.id,
      orderId: order.id,
      ...(replaced ? { replacesCertificateId: replaced.id } : {}),
    },
    "ACME order created",
  );
  return {
    status: 201,
    body: orderView(profile.urls, order, authorizationIds),
    location: profile.urls.order(order.id),
  };
}

/**
 * A processing order follows its certificate request: issued makes it valid (with the
 * certificate), failed makes it invalid (with the reason). Conditional, so readers racing
 * each other agree.
 */
export async function syncOrder(ctx: ServiceContext, order: AcmeOrderRow): Promise<AcmeOrderRow> {
  if (order.status !== "processing" || !order.certificateRequestId) return order;
  const [request] = await ctx.db
    .select({
      status: certificateRequests.status,
      certificateId: certificateRequests.certificateId,
      errorMessage: certificateRequests.errorMessage,
    })
    .from(certificateRequests)
    .where(eq(certificateRequests.id, order.certificateRequestId))
    .limit(1);
  if (!request || request.status === "pending") return order;
  const change =
    request.status === "issued"
      ? { status: "valid" as const, certificateId: request.certificateId }
      : {
          status: "invalid" as const,
          error: {
            type: "urn:ietf:params:acme:error:serverInternal",
            detail: `Issuance failed: ${request.errorMessage ?? "unknown reason"}`,
            status: 500,
          },
        };
  const [row] = await ctx.db
    .update(acmeOrders)
    .set(change)
    .where(and(eq(acmeOrders.id, order.id), eq(acmeOrders.status, "processing")))
    .returning();
  if (row) return row;
  const [current] = await ctx.db.select().from(acmeOrders).where(eq(acmeOrders.id, order.id));
  return current ?? order;
}

export async function authorizationIdsOf(ctx: ServiceContext, orderId: string) {
  const rows = await ctx.db
    .select({ id: acmeAuthorizations.id })
    .from(acmeAuthorizations)
    .where(eq(acmeAuthorizations.orderId, orderId))
    .orderBy(asc(acmeAuthorizations.createdAt), asc(acmeAuthorizations.id));
  return rows.map((row) => row.id);
}

/** An order of this account; unauthorized for another account's, 404 for none. */
export async function findAccountOrder(
  ctx: ServiceContext,
  accountId: string,
  orderId: string,
): Promise<AcmeOrderRow> {
  const missing = new AcmeProblem("malformed", `No order '${orderId}'`, { status: 404 });
  if (!isUuid(orderId)) throw missing;
  const [order] = await ctx.db
    .select()
    .from(acmeOrders)
    .where(eq(acmeOrders.id, orderId.toLowerCase()))
    .limit(1);
  if (!order) throw missing;
  if (order.accountId !== accountId) {
    throw new AcmeProblem("unauthorized", "The order belongs to another account");
  }
  return order;
}

/** Expired orders that never got going end invalid (RFC 8555 7.1.6). */
async function expireOrder(ctx: ServiceContext, order: AcmeOrderRow): Promise<AcmeOrderRow> {
  if (!["pending", "ready"].includes(order.status) || order.expires > ctx.now()) return order;
  const [row] = await ctx.db
    .update(acmeOrders)
    .set({
      status: "invalid",
      error: { type: "urn:ietf:params:acme:error:malformed", detail: "The order expired" },
    })
    .where(and(eq(acmeOrders.id, order.id), inArray(acmeOrders.status, ["pending", "ready"])))
    .returning();
  return row ?? order;
}

export async function orderReply(
  ctx: ServiceContext,
  urls: AcmeUrls,
  order: AcmeOrderRow,
  status = 200,
): Promise<AcmeReply> {
  const current = await expireOrder(ctx, await syncOrder(ctx, order));
  return {
    status,
    body: orderView(urls, current, await authorizationIdsOf(ctx, current.id)),
    location: urls.order(current.id),
    ...(current.status === "processing" ? { retryAfter: ACME_RETRY_AFTER_SECONDS } : {}),
  };
}

/** RFC 8555 7.4: POST-as-GET of an order. */
export async function getAcmeOrder(post: AcmePost & { orderId: string }): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const { account } = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid", postAsGet: "required" },
  );
  const order = await findAccountOrder(post.ctx, (account as { id: string }).id, post.orderId);
  return orderReply(post.ctx, profile.urls, order);
}
