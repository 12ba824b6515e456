import { accessTokens } from "@certq/db";
import { z } from "zod";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import { scopeSchema } from "../auth/scopes";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import { plainText } from "../subject-schema";
import { generateTokenValue, hashTokenValue } from "./token-value";
import { type TokenView, toTokenView } from "./token-view";

export const createTokenInputSchema = z.strictObject({
  name: plainText(100).trim().min(1),
  scopes: z.array(scopeSchema).min(1).max(16),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  rateLimitPerSecond: z.number().int().min(1).max(100_000).optional(),
});
export type CreateTokenInput = z.infer<typeof createTokenInputSchema>;

/** Creates a token; its value is returned here once and never again. */
export async function createToken(args: {
  ctx: ServiceContext;
  principal: Principal;
  input: CreateTokenInput;
}): Promise<{ token: TokenView; value: string }> {
  requireScope(args.principal, "tokens:manage");
  const { input } = args;
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt <= args.ctx.now()) {
    throw new BadRequestError("expiresAt must be in the future", "expiresAt");
  }
  const value = generateTokenValue();
  const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
    const [row] = await tx
      .insert(accessTokens)
      .values({
        name: input.name,
        scopes: [...new Set(input.scopes)],
        tokenHash: hashTokenValue(value),
        expiresAt,
        rateLimitPerSecond: input.rateLimitPerSecond ?? null,
      })
      .returning();
    if (!row) throw new Error("token insert returned no row");
    await audit({
      principal: args.principal,
      action: "token.created",
      targetType: "token",
      targetId: row.id,
      details: {
        name: row.name,
        scopes: row.scopes,
        expiresAt: row.expiresAt?.toISOString() ?? null,
      },
    });
    return row;
  });
  return { token: toTokenView(row), value };
}
