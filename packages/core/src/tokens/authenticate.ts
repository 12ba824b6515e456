import { type Database, rawSql, readTimestamp } from "@certq/db";
import type { Principal } from "../auth/principal";
import type { Scope } from "../auth/scopes";
import type { ServiceContext } from "../context";
import { UnauthorizedError } from "../errors";
import { createBatchedLookup } from "../group-commit";
import type { CachedToken } from "./token-cache";
import { hashTokenValue } from "./token-value";

interface TokenRow {
  token_hash: string;
  id: string;
  name: string;
  scopes: string[];
  expires_at: string | null;
  rate_limit_per_second: number | null;
}

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
  return createBatchedLookup({
    query: (hashes: string[]) => rawSql(db)<TokenRow[]>`
      select token_hash, id, name, scopes, expires_at, rate_limit_per_second from access_tokens
      where token_hash in (select jsonb_array_elements_text(${JSON.stringify(hashes)}::jsonb))`,
    keyOf: (row) => row.token_hash,
    toValue: (row): CachedToken => ({
      principal: {
        tokenId: row.id,
        tokenName: row.name,
        scopes: row.scopes as Scope[],
        rateLimitPerSecond: row.rate_limit_per_second,
      },
      expiresAt: readTimestamp(row.expires_at),
    }),
  });
}
