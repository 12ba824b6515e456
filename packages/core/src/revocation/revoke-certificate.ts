import { type CertificateRow, certificates } from "@certq/db";
import { REVOCATION_REASONS, type RevocationReason } from "@certq/pki";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { type AuditEntry, inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import { findCertificateBySerial } from "../certificates/find-certificate";
import type { AnnounceRevocation, QueueingContext, ServiceContext } from "../context";
import { BadRequestError } from "../errors";

export const revokeInputSchema = z.strictObject({
  revocationReason: z.enum(
    Object.keys(REVOCATION_REASONS) as [RevocationReason, ...RevocationReason[]],
  ),
});
export type RevokeInput = z.infer<typeof revokeInputSchema>;

export const revokedSchema = z.object({
  message: z.string(),
  serialNumber: z.string(),
  revokedAt: z.string(),
});

/**
 * Revokes an issued certificate; revoking twice is a 400. The CRL is rebuilt by a queued
 * job; if that cannot be queued now, the hourly refresh catches up.
 */
export async function revokeCertificate(args: {
  ctx: Pick<QueueingContext, keyof ServiceContext | "announceRevocation">;
  principal: Principal;
  serialNumber: string;
  input: RevokeInput;
}): Promise<z.infer<typeof revokedSchema>> {
  requireScope(args.principal, "certificates:revoke");
  const certificate = await findCertificateBySerial(args.ctx.db, args.serialNumber);
  const revokedAt = await revokeIssuedCertificate({
    ...args,
    announceRevocation: args.ctx.announceRevocation,
    certificate,
    reason: args.input.revocationReason,
    revokedBy: {},
  });
  if (!revokedAt) {
    throw new BadRequestError(
      `Certificate ${certificate.serialNumber} is already revoked`,
      "serialNumber",
    );
  }
  return {
    message: "Successfully revoked certificate",
    serialNumber: certificate.serialNumber,
    revokedAt: revokedAt.toISOString(),
  };
}

/**
 * Marks a certificate revoked and announces it (OCSP caches, the CA's CRL rebuild); the time, or undefined when
 * it was revoked already. Callers check who may revoke (a scope, an ACME account or key).
 */
export async function revokeIssuedCertificate(args: {
  ctx: ServiceContext;
  certificate: Pick<CertificateRow, "id">;
  reason: RevocationReason;
  /** Who revoked: the token, or (ACME, no token) null with how the request was authorised. */
  principal: AuditEntry["principal"];
  revokedBy: Record<string, unknown>;
  announceRevocation: AnnounceRevocation;
}): Promise<Date | undefined> {
  const revokedAt = args.ctx.now();
  const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
    const [row] = await tx
      .update(certificates)
      .set({ status: "revoked", revokedAt, revocationReason: args.reason })
      .where(and(eq(certificates.id, args.certificate.id), eq(certificates.status, "active")))
      .returning();
    if (!row) return undefined;
    await audit({
      principal: args.principal,
      action: "certificate.revoked",
      targetType: "certificate",
      targetId: row.id,
      details: {
        serialNumber: row.serialNumber,
        reason: row.revocationReason,
        caId: row.caId,
        ...args.revokedBy,
      },
    });
    return row;
  });
  if (!row) return undefined;
  args.ctx.log.info(
    { serialNumber: row.serialNumber, reason: row.revocationReason },
    "certificate revoked",
  );
  await args
    .announceRevocation({ caId: row.caId, serialNumber: row.serialNumber })
    .catch((error: unknown) =>
      args.ctx.log.warn(
        { caId: row.caId, err: (error as Error).message },
        "CRL rebuild not queued; the periodic refresh will rebuild it",
      ),
    );
  return revokedAt;
}
