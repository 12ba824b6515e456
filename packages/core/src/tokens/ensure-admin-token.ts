import { accessTokens } from "@certq/db";
import type { ServiceContext } from "../context";
import { hashTokenValue } from "./token-value";

/** Makes CERTQ_ADMIN_TOKEN a valid all-scopes token; idempotent across restarts and processes. */
export async function ensureAdminToken(args: {
  ctx: ServiceContext;
  value: string;
}): Promise<void> {
  await args.ctx.db
    .insert(accessTokens)
    .values({
      name: "admin (CERTQ_ADMIN_TOKEN)",
      scopes: ["admin"],
      tokenHash: hashTokenValue(args.value),
    })
    .onConflictDoNothing({ target: accessTokens.tokenHash });
}
