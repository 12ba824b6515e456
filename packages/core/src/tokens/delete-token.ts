import { accessTokens } from "@certq/db";
import { eq } from "drizzle-orm";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { NotFoundError } from "../errors";
import { type TokenView, toTokenView } from "./token-view";

export async function deleteToken(args: {
  ctx: ServiceContext;
  principal: Principal;
  tokenId: string;
}): Promise<TokenView> {
  requireScope(args.principal, "tokens:manage");
  const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
    const [row] = await tx
      .delete(accessTokens)
      .where(eq(accessTokens.id, args.tokenId))
      .returning();
    if (!row) throw new NotFoundError("Token", args.tokenId);
    await audit({
      principal: args.principal,
      action: "token.deleted",
      targetType: "token",
      targetId: row.id,
      details: { name: row.name, scopes: row.scopes },
    });
    return row;
  });
  // This process stops accepting it at once; others within CERTQ_TOKEN_CACHE_MS.
  args.ctx.tokenCache?.forget(row.id);
  return toTokenView(row);
}
