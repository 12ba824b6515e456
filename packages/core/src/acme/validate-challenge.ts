import {
  type AcmeStoredProblem,
  acmeAccounts,
  acmeAuthorizations,
  acmeChallenges,
  acmeOrders,
} from "@certq/db";
import { and, eq, ne, sql } from "drizzle-orm";
import type { JWK } from "jose";
import type { ServiceContext } from "../context";
import { isUuid } from "../uuid";
import { ACME_ERROR_PREFIX } from "./acme-problem";
import { ChallengeFailedError, type ChallengeValidators } from "./challenge-validators";
import { jwkThumbprint } from "./verify-jws";

export type ChallengeOutcome = "valid" | "invalid" | "skipped";

/**
 * One validation attempt of a processing challenge (a queued job; safe to run twice: only a
 * processing challenge changes, by conditional UPDATEs). A failure that may pass later
 * (the client's server not up yet) rethrows for the queue to retry while attempts and the
 * deadline last; then, or at once for permanent refusals, the challenge, its authorization
 * and its order end invalid with the error recorded on the challenge.
 */
export async function validateAcmeChallenge(args: {
  ctx: ServiceContext;
  validators: ChallengeValidators;
  challengeId: string;
  /** No retry follows this attempt. */
  lastAttempt: boolean;
}): Promise<ChallengeOutcome> {
  const { ctx } = args;
  if (!isUuid(args.challengeId)) return "skipped";
  const [row] = await ctx.db
    .select({
      challenge: acmeChallenges,
      authorization: acmeAuthorizations,
      jwk: acmeAccounts.jwk,
    })
    .from(acmeChallenges)
    .innerJoin(acmeAuthorizations, eq(acmeAuthorizations.id, acmeChallenges.authorizationId))
    .innerJoin(acmeOrders, eq(acmeOrders.id, acmeAuthorizations.orderId))
    .innerJoin(acmeAccounts, eq(acmeAccounts.id, acmeOrders.accountId))
    .where(eq(acmeChallenges.id, args.challengeId))
    .limit(1);
  if (row?.challenge.status !== "processing") return "skipped";
  const { challenge, authorization } = row as NonNullable<typeof row>;
  const keyAuthorization = `${challenge.token}.${await jwkThumbprint(row.jwk as JWK)}`;
  try {
    await args.validators.validate({
      type: challenge.type,
      identifier: authorization.identifier,
      token: challenge.token,
      keyAuthorization,
    });
  } catch (error) {
    const failed =
      error instanceof ChallengeFailedError
        ? error
        : new ChallengeFailedError("serverInternal", (error as Error).message);
    const pastDeadline = challenge.deadline !== null && challenge.deadline <= ctx.now();
    const problem: AcmeStoredProblem = {
      type: `${ACME_ERROR_PREFIX}${failed.problemType}`,
      detail: failed.message,
      status: 400,
    };
    if (!failed.permanent && !args.lastAttempt && !pastDeadline) {
      // Recorded so a polling client sees why it is still processing.
      await ctx.db
        .update(acmeChallenges)
        .set({ error: problem })
        .where(and(eq(acmeChallenges.id, challenge.id), eq(acmeChallenges.status, "processing")));
      throw failed;
    }
    await markInvalid(ctx, challenge.id, authorization.id, authorization.orderId, problem);
    ctx.log.info({ challengeId: challenge.id, reason: failed.message }, "ACME challenge invalid");
    return "invalid";
  }
  await markValid(ctx, challenge.id, authorization.id, authorization.orderId);
  ctx.log.info({ challengeId: challenge.id, type: challenge.type }, "ACME challenge valid");
  return "valid";
}

async function markValid(
  ctx: ServiceContext,
  challengeId: string,
  authorizationId: string,
  orderId: string,
) {
  await ctx.db.transaction(async (tx) => {
    const [done] = await tx
      .update(acmeChallenges)
      .set({ status: "valid", validated: ctx.now(), error: null })
      .where(and(eq(acmeChallenges.id, challengeId), eq(acmeChallenges.status, "processing")))
      .returning({ id: acmeChallenges.id });
    if (!done) return;
    await tx
      .update(acmeAuthorizations)
      .set({ status: "valid" })
      .where(
        and(eq(acmeAuthorizations.id, authorizationId), eq(acmeAuthorizations.status, "pending")),
      );
    // Ready once no authorization of the order is left unproven (RFC 8555 7.1.6).
    await tx
      .update(acmeOrders)
      .set({ status: "ready" })
      .where(
        and(
          eq(acmeOrders.id, orderId),
          eq(acmeOrders.status, "pending"),
          sql`not exists (select 1 from ${acmeAuthorizations} where ${acmeAuthorizations.orderId} = ${orderId} and ${ne(acmeAuthorizations.status, "valid")})`,
        ),
      );
  });
}

async function markInvalid(
  ctx: ServiceContext,
  challengeId: string,
  authorizationId: string,
  orderId: string,
  problem: AcmeStoredProblem,
) {
  await ctx.db.transaction(async (tx) => {
    const [done] = await tx
      .update(acmeChallenges)
      .set({ status: "invalid", error: problem })
      .where(and(eq(acmeChallenges.id, challengeId), eq(acmeChallenges.status, "processing")))
      .returning({ id: acmeChallenges.id });
    if (!done) return;
    await tx
      .update(acmeAuthorizations)
      .set({ status: "invalid" })
      .where(
        and(eq(acmeAuthorizations.id, authorizationId), eq(acmeAuthorizations.status, "pending")),
      );
    await tx
      .update(acmeOrders)
      .set({ status: "invalid", error: problem })
      .where(and(eq(acmeOrders.id, orderId), eq(acmeOrders.status, "pending")));
  });
}
