import {
  type AcmeAccountRow,
  type AcmeAuthorizationRow,
  type AcmeChallengeRow,
  acmeAuthorizations,
  acmeChallenges,
  acmeOrders,
} from "@certq/db";
import { and, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context";
import { isUuid } from "../uuid";
import type { AcmePost, AcmeReply } from "./acme-context";
import { AcmeProblem } from "./acme-problem";
import { findAcmeProfile } from "./acme-profile";
import type { AcmeUrls } from "./acme-urls";
import { authorizationView, challengeView } from "./acme-views";
import { verifyAcmeRequest } from "./verify-jws";

const DEFAULT_VALIDATION_WINDOW_MS = 60_000;

async function findAccountAuthorization(
  ctx: ServiceContext,
  account: AcmeAccountRow,
  authorizationId: string,
): Promise<AcmeAuthorizationRow> {
  const missing = new AcmeProblem("malformed", `No authorization '${authorizationId}'`, {
    status: 404,
  });
  if (!isUuid(authorizationId)) throw missing;
  const [row] = await ctx.db
    .select({ authorization: acmeAuthorizations, accountId: acmeOrders.accountId })
    .from(acmeAuthorizations)
    .innerJoin(acmeOrders, eq(acmeOrders.id, acmeAuthorizations.orderId))
    .where(eq(acmeAuthorizations.id, authorizationId.toLowerCase()))
    .limit(1);
  if (!row) throw missing;
  if (row.accountId !== account.id) {
    throw new AcmeProblem("unauthorized", "The authorization belongs to another account");
  }
  return row.authorization;
}

async function challengesOf(ctx: ServiceContext, authorizationId: string) {
  return ctx.db
    .select()
    .from(acmeChallenges)
    .where(eq(acmeChallenges.authorizationId, authorizationId))
    .orderBy(asc(acmeChallenges.type));
}

async function authorizationReply(
  ctx: ServiceContext,
  urls: AcmeUrls,
  authorization: AcmeAuthorizationRow,
): Promise<AcmeReply> {
  const challenges = await challengesOf(ctx, authorization.id);
  const processing = challenges.some((challenge) => challenge.status === "processing");
  return {
    status: 200,
    body: authorizationView(urls, authorization, challenges),
    ...(processing ? { retryAfter: 1 } : {}),
  };
}

const authorizationUpdateSchema = z.looseObject({ status: z.literal("deactivated") });

/** RFC 8555 7.5 and 7.5.2: read an authorization, or deactivate it. */
export async function acmeAuthorization(
  post: AcmePost & { authorizationId: string },
): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const verified = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid", schema: authorizationUpdateSchema, postAsGet: "allowed" },
  );
  let authorization = await findAccountAuthorization(
    post.ctx,
    verified.account as AcmeAccountRow,
    post.authorizationId,
  );
  if (verified.payload?.status === "deactivated") {
    const [row] = await post.ctx.db
      .update(acmeAuthorizations)
      .set({ status: "deactivated" })
      .where(
        and(
          eq(acmeAuthorizations.id, authorization.id),
          inArray(acmeAuthorizations.status, ["pending", "valid"]),
        ),
      )
      .returning();
    if (!row) {
      throw new AcmeProblem(
        "malformed",
        `An ${authorization.status} authorization cannot be deactivated`,
      );
    }
    authorization = row;
    await post.ctx.db
      .update(acmeOrders)
      .set({
        status: "invalid",
        error: {
          type: "urn:ietf:params:acme:error:unauthorized",
          detail: "An authorization was deactivated",
        },
      })
      .where(
        and(
          eq(acmeOrders.id, authorization.orderId),
          inArray(acmeOrders.status, ["pending", "ready"]),
        ),
      );
  }
  return authorizationReply(post.ctx, profile.urls, authorization);
}

async function findAccountChallenge(
  ctx: ServiceContext,
  account: AcmeAccountRow,
  challengeId: string,
): Promise<{ challenge: AcmeChallengeRow; authorization: AcmeAuthorizationRow }> {
  const missing = new AcmeProblem("malformed", `No challenge '${challengeId}'`, { status: 404 });
  if (!isUuid(challengeId)) throw missing;
  const [row] = await ctx.db
    .select({
      challenge: acmeChallenges,
      authorization: acmeAuthorizations,
      accountId: acmeOrders.accountId,
    })
    .from(acmeChallenges)
    .innerJoin(acmeAuthorizations, eq(acmeAuthorizations.id, acmeChallenges.authorizationId))
    .innerJoin(acmeOrders, eq(acmeOrders.id, acmeAuthorizations.orderId))
    .where(eq(acmeChallenges.id, challengeId.toLowerCase()))
    .limit(1);
  if (!row) throw missing;
  if (row.accountId !== account.id) {
    throw new AcmeProblem("unauthorized", "The challenge belongs to another account");
  }
  return row;
}

/**
 * RFC 8555 7.5.1: a POST of `{}` asks for validation, which a queued job does (never this
 * request); a POST-as-GET reads the challenge. Asking again changes nothing.
 */
export async function acmeChallenge(post: AcmePost & { challengeId: string }): Promise<AcmeReply> {
  const { ctx } = post;
  const profile = await findAcmeProfile(ctx, post.profileId);
  const verified = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid", schema: z.looseObject({}), postAsGet: "allowed" },
  );
  let { challenge, authorization } = await findAccountChallenge(
    ctx,
    verified.account as AcmeAccountRow,
    post.challengeId,
  );
  if (!verified.postAsGet && challenge.status === "pending") {
    if (authorization.status !== "pending") {
      throw new AcmeProblem("malformed", `The authorization is ${authorization.status}`);
    }
    if (authorization.expires <= ctx.now()) {
      throw new AcmeProblem("malformed", "The authorization has expired");
    }
    const deadline = new Date(
      ctx.now().getTime() + (post.acme.validationWindowMs ?? DEFAULT_VALIDATION_WINDOW_MS),
    );
    const [claimed] = await ctx.db
      .update(acmeChallenges)
      .set({ status: "processing", deadline })
      .where(and(eq(acmeChallenges.id, challenge.id), eq(acmeChallenges.status, "pending")))
      .returning();
    if (claimed) {
      try {
        await post.acme.enqueueValidation(claimed.id);
      } catch (error) {
        // Nothing was queued: the challenge goes back to pending, so the client may ask again.
        await ctx.db
          .update(acmeChallenges)
          .set({ status: "pending", deadline: null })
          .where(eq(acmeChallenges.id, claimed.id));
        throw error;
      }
      ctx.log.info(
        { challengeId: claimed.id, type: claimed.type },
        "ACME challenge validation queued",
      );
      challenge = claimed;
    }
  }
  return {
    status: 200,
    body: challengeView(profile.urls, challenge),
    links: [`<${profile.urls.authorization(authorization.id)}>;rel="up"`],
    ...(challenge.status === "processing" ? { retryAfter: 1 } : {}),
  };
}
