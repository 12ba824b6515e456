import { accessTokens, batchKeys, type Database } from "@certq/db";
import { inArray, sql } from "drizzle-orm";
import type { Principal } from "../auth/principal";
import type { Scope } from "../auth/scopes";
import type { ServiceContext } from "../context";
import { UnauthorizedError } from "../errors";
import { createBatchedLookup } from "../group-commit";
import type { CachedToken } from "./token-cache";
import { hashTokenValue } from "./token-value";

/** Resolves a bearer token value to its principal; 401 for unknown or expired tokens. */
export async function authenticate(args: {
  ctx: ServiceContext;
  tokenValue: string | undefined;
}): Promise<Principal> {
  if (!args.tokenValue) throw new UnauthorizedError();
  const { ctx } = args;
  const tokenHash = hashTokenValue(args.tokenValue);
  const token = ctx.tokenCache?.get(tokenHash) ?? (await lookUpToken(ctx, tokenHash));
  if (!token) throw new UnauthorizedError("Invalid or revoked access token");
  if (token.expiresAt && token.expiresAt <= ctx.now()) {
    throw new UnauthorizedError("Access token has expired");
  }
  return token.principal;
}

async function lookUpToken(
  ctx: ServiceContext,
  tokenHash: string,
): Promise<CachedToken | undefined> {
  const startedAt = ctx.tokenCache?.stamp() ?? 0;
  const token = await ctx.lookups.token(tokenHash);
  if (token) ctx.tokenCache?.set(tokenHash, token, startedAt);
  return token;
}

/** Finds tokens by the hash of their value. */
export type TokenLookup = (tokenHash: string) => Promise<CachedToken | undefined>;

/**
 * Every authenticated request runs this, so requests arriving together share one query (see
 * createGroupCommit), a prepared statement: no query building, no planning per call.
 */
export function createTokenLookup(db: Database): TokenLookup {
  const query = db
    .select({
      tokenHash: accessTokens.tokenHash,
      id: accessTokens.id,
      name: accessTokens.name,
      scopes: accessTokens.scopes,
      expiresAt: accessTokens.expiresAt,
      rateLimitPerSecond: accessTokens.rateLimitPerSecond,
    })
    .from(accessTokens)
    .where(inArray(accessTokens.tokenHash, batchKeys(sql.placeholder("hashes"))))
    .prepare("token_lookup");
  return createBatchedLookup({
    query: (hashes: string[]) => query.execute({ hashes: JSON.stringify(hashes) }),
    keyOf: (row) => row.tokenHash,
    toValue: (row): CachedToken => ({
      principal: {
        tokenId: row.id,
        tokenName: row.name,
        scopes: row.scopes as Scope[],
        rateLimitPerSecond: row.rateLimitPerSecond,
      },
      expiresAt: row.expiresAt,
    }),
  });
}
