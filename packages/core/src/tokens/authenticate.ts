import { accessTokens } from "@certq/db";
import { eq } from "drizzle-orm";
import type { Principal } from "../auth/principal";
import type { Scope } from "../auth/scopes";
import type { ServiceContext } from "../context";
import { UnauthorizedError } from "../errors";
import { hashTokenValue } from "./token-value";

/** Resolves a bearer token value to its principal; 401 for unknown or expired tokens. */
export async function authenticate(args: {
  ctx: ServiceContext;
  tokenValue: string | undefined;
}): Promise<Principal> {
  if (!args.tokenValue) throw new UnauthorizedError();
  const [row] = await args.ctx.db
    .select({
      id: accessTokens.id,
      scopes: accessTokens.scopes,
      expiresAt: accessTokens.expiresAt,
      rateLimitPerSecond: accessTokens.rateLimitPerSecond,
    })
    .from(accessTokens)
    .where(eq(accessTokens.tokenHash, hashTokenValue(args.tokenValue)))
    .limit(1);
  if (!row) throw new UnauthorizedError("Invalid or revoked access token");
  if (row.expiresAt && row.expiresAt <= args.ctx.now()) {
    throw new UnauthorizedError("Access token has expired");
  }
  return {
    tokenId: row.id,
    scopes: row.scopes as Scope[],
    rateLimitPerSecond: row.rateLimitPerSecond,
  };
}
