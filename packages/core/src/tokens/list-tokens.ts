import { accessTokens } from "@certq/db";
import { asc } from "drizzle-orm";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { type TokenView, toTokenView } from "./token-view";

export async function listTokens(args: {
  ctx: ServiceContext;
  principal: Principal;
}): Promise<TokenView[]> {
  requireScope(args.principal, "tokens:manage");
  const rows = await args.ctx.db.select().from(accessTokens).orderBy(asc(accessTokens.createdAt));
  return rows.map(toTokenView);
}
