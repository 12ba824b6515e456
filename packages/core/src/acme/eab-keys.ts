import { randomBytes } from "node:crypto";
import { type AcmeEabKeyRow, acmeEabKeys } from "@certq/db";
import { type KeyRing, openPrivateKey, sealPrivateKey } from "@certq/pki";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { findProfile } from "../profiles/find-profile";
import { plainText } from "../subject-schema";

export const createEabKeyInputSchema = z.strictObject({
  /** Who the key is for, for the operator's own records. */
  name: plainText(200).optional(),
});
export type CreateEabKeyInput = z.infer<typeof createEabKeyInputSchema>;

export const eabKeyViewSchema = z.object({
  /** The EAB key identifier: `--eab-kid` (certbot), `--kid` (lego). */
  id: z.uuid(),
  profileId: z.uuid(),
  name: z.string(),
  /** base64url of the HS256 key: only in the answer that created it. */
  hmacKey: z.string().optional(),
  /** The account it bound, once used: a key binds one account. */
  accountId: z.uuid().nullable(),
  usedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type EabKeyView = z.infer<typeof eabKeyViewSchema>;

// Binding the record ID into the AEAD stops a sealed key being replayed onto another row.
export const eabKeyAad = (id: string) => `acme-eab:${id}`;

export function openEabKey(kek: KeyRing, row: AcmeEabKeyRow): Buffer {
  return openPrivateKey({ kek, sealed: row.sealedHmacKey, aad: eabKeyAad(row.id) });
}

function toView(row: AcmeEabKeyRow): EabKeyView {
  return {
    id: row.id,
    profileId: row.profileId,
    name: row.name,
    accountId: row.accountId,
    usedAt: row.usedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * A new external account binding key for a profile's ACME directory. The account it binds
 * acts for the creating token's principal; the MAC key is shown once and stored sealed.
 */
export async function createAcmeEabKey(args: {
  ctx: ServiceContext;
  principal: Principal;
  profileId: string;
  input: CreateEabKeyInput;
}): Promise<EabKeyView> {
  requireScope(args.principal, "profiles:manage");
  const profile = await findProfile(args.ctx.db, args.profileId);
  const id = crypto.randomUUID();
  const hmacKey = randomBytes(32);
  const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
    const [row] = await tx
      .insert(acmeEabKeys)
      .values({
        id,
        profileId: profile.id,
        name: args.input.name ?? "",
        sealedHmacKey: sealPrivateKey({
          kek: args.ctx.kek,
          plaintext: hmacKey,
          aad: eabKeyAad(id),
        }),
        tokenId: args.principal.tokenId,
      })
      .returning();
    if (!row) throw new Error("EAB key insert returned no row");
    await audit({
      principal: args.principal,
      action: "acme.eab_key_created",
      targetType: "acme_eab_key",
      targetId: row.id,
      details: { profileId: profile.id, name: row.name },
    });
    return row;
  });
  args.ctx.log.info({ profileId: profile.id, eabKeyId: id }, "ACME EAB key created");
  return { ...toView(row), hmacKey: hmacKey.toString("base64url") };
}

export async function listAcmeEabKeys(args: {
  ctx: ServiceContext;
  principal: Principal;
  profileId: string;
}): Promise<EabKeyView[]> {
  requireScope(args.principal, "profiles:manage");
  const profile = await findProfile(args.ctx.db, args.profileId);
  const rows = await args.ctx.db
    .select()
    .from(acmeEabKeys)
    .where(and(eq(acmeEabKeys.profileId, profile.id)))
    .orderBy(desc(acmeEabKeys.createdAt));
  return rows.map(toView);
}
