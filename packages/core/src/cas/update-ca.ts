import { certificateAuthorities } from "@certq/db";
import { and, eq, ne } from "drizzle-orm";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import type { CaView, UpdateCaInput } from "./ca-schemas";
import { toCaView } from "./ca-view";
import { findCa } from "./find-ca";

/** Enables or disables a CA; a disabled CA signs nothing. */
export async function updateCa(args: {
  ctx: ServiceContext;
  principal: Principal;
  caId: string;
  input: UpdateCaInput;
}): Promise<CaView> {
  requireScope(args.principal, "cas:manage");
  const { input } = args;
  const ca = await findCa(args.ctx.db, args.caId);
  if (ca.status === "pending-certificate") {
    throw new BadRequestError(
      "Cannot change status: the CA is awaiting its certificate; import one to activate it",
      "status",
    );
  }
  const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
    const [row] = await tx
      .update(certificateAuthorities)
      .set({ status: input.status })
      .where(
        and(
          eq(certificateAuthorities.id, ca.id),
          ne(certificateAuthorities.status, "pending-certificate"),
        ),
      )
      .returning();
    if (!row) throw new BadRequestError("CA changed while updating; try again", "status");
    await audit({
      principal: args.principal,
      action: row.status === "disabled" ? "ca.disabled" : "ca.enabled",
      targetType: "ca",
      targetId: row.id,
      details: { previousStatus: ca.status, status: row.status },
    });
    return row;
  });
  return toCaView(row);
}
