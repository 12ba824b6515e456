import {
  type AcmeAccountRow,
  type AuditLogRow,
  acmeAccounts,
  acmeEabKeys,
  acmeOrders,
} from "@certq/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import { base64url, EmbeddedJWK, errors, flattenedVerify, type JWK } from "jose";
import { z } from "zod";
import { inAuditedTransaction, recordAudit, streamAuditRows } from "../audit/record-audit";
import type { ServiceContext } from "../context";
import { isUniqueViolation } from "../pg-errors";
import { isUuid } from "../uuid";
import type { AcmePost, AcmeReply } from "./acme-context";
import { AcmeProblem } from "./acme-problem";
import { type AcmeProfile, findAcmeProfile } from "./acme-profile";
import type { AcmeUrls } from "./acme-urls";
import { accountView } from "./acme-views";
import { openEabKey } from "./eab-keys";
import { jwkThumbprint, parseJws, publicJwk, verifyAcmeRequest } from "./verify-jws";

const contactSchema = z.array(z.string().max(512)).max(10);

const newAccountSchema = z.looseObject({
  contact: contactSchema.optional(),
  termsOfServiceAgreed: z.boolean().optional(),
  onlyReturnExisting: z.boolean().optional(),
  externalAccountBinding: z.unknown().optional(),
});

const updateAccountSchema = z.looseObject({
  contact: contactSchema.optional(),
  status: z.literal("deactivated").optional(),
  termsOfServiceAgreed: z.boolean().optional(),
});

/** mailto: URLs only, one address each, no query (RFC 8555 7.3). */
function checkContacts(contact: string[] | undefined) {
  for (const entry of contact ?? []) {
    if (!entry.startsWith("mailto:")) {
      throw new AcmeProblem("unsupportedContact", `Contact '${entry}' is not a mailto: URL`);
    }
    const address = entry.slice("mailto:".length);
    if (!/^[^@\s,?]+@[^@\s,?]+\.[^@\s,?]+$/.test(address)) {
      throw new AcmeProblem("invalidContact", `Contact '${entry}' is not one email address`);
    }
  }
}

async function findByThumbprint(ctx: ServiceContext, profileId: string, thumbprint: string) {
  const [row] = await ctx.db
    .select()
    .from(acmeAccounts)
    .where(and(eq(acmeAccounts.profileId, profileId), eq(acmeAccounts.jwkThumbprint, thumbprint)))
    .limit(1);
  return row;
}

function existing(urls: AcmeUrls, account: AcmeAccountRow): AcmeReply {
  return {
    status: 200,
    body: accountView(urls, account),
    location: urls.account(account.id),
  };
}

/**
 * Checks an external account binding (RFC 8555 7.3.4): an HS256 JWS by an unused EAB key of
 * this profile over the account's own key, addressed to new-account. Returns the key's row.
 */
async function verifyEab(post: AcmePost, profile: AcmeProfile, eab: unknown, jwk: JWK) {
  const jws = parseJws(eab);
  let header: { alg?: string; kid?: string; url?: string; nonce?: string };
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(jws.protected)));
  } catch {
    throw new AcmeProblem("malformed", "externalAccountBinding: protected header is not JSON");
  }
  if (header.nonce !== undefined) {
    throw new AcmeProblem("malformed", "externalAccountBinding must not carry a nonce");
  }
  if (header.url !== profile.urls.newAccount) {
    throw new AcmeProblem("unauthorized", "externalAccountBinding: 'url' is not new-account's");
  }
  const kid = header.kid ?? "";
  const unauthorized = new AcmeProblem(
    "unauthorized",
    `externalAccountBinding: no unused EAB key '${kid}' for this profile`,
  );
  if (!isUuid(kid)) throw unauthorized;
  const [key] = await post.ctx.db
    .select()
    .from(acmeEabKeys)
    .where(
      and(eq(acmeEabKeys.id, kid.toLowerCase()), eq(acmeEabKeys.profileId, profile.profile.id)),
    )
    .limit(1);
  if (!key || key.accountId !== null || key.usedAt !== null) throw unauthorized;
  let payload: Uint8Array;
  try {
    ({ payload } = await flattenedVerify(jws, openEabKey(post.ctx.kek, key), {
      algorithms: ["HS256", "HS384", "HS512"],
    }));
  } catch (error) {
    if (error instanceof errors.JOSEAlgNotAllowed) {
      throw new AcmeProblem("badSignatureAlgorithm", "externalAccountBinding must use HS256", {
        algorithms: ["HS256", "HS384", "HS512"],
      });
    }
    throw new AcmeProblem("unauthorized", "externalAccountBinding: the MAC does not verify");
  }
  let bound: JWK;
  try {
    bound = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new AcmeProblem("malformed", "externalAccountBinding: payload is not a JWK");
  }
  if (
    (await jwkThumbprint(publicJwk(bound as Record<string, unknown>))) !==
    (await jwkThumbprint(jwk))
  ) {
    throw new AcmeProblem("unauthorized", "externalAccountBinding binds a different key");
  }
  return key;
}

/** RFC 8555 7.3: new-account, or the existing account of this key. */
export async function newAcmeAccount(post: AcmePost): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const { payload, jwk } = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "jwk", schema: newAccountSchema },
  );
  if (!payload || !jwk) throw new AcmeProblem("malformed", "new-account needs a payload");
  const thumbprint = await jwkThumbprint(jwk);
  const found = await findByThumbprint(post.ctx, profile.profile.id, thumbprint);
  if (found) return existing(profile.urls, found);
  if (payload.onlyReturnExisting) {
    throw new AcmeProblem("accountDoesNotExist", "No account exists for this key");
  }
  checkContacts(payload.contact);
  const eab =
    payload.externalAccountBinding !== undefined
      ? await verifyEab(post, profile, payload.externalAccountBinding, jwk)
      : undefined;
  if (!eab && profile.acme.requireEab) {
    throw new AcmeProblem(
      "externalAccountRequired",
      "This directory needs an externalAccountBinding (ask the operator for an EAB key)",
    );
  }
  const auditRows: AuditLogRow[] = [];
  try {
    const account = await post.ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(acmeAccounts)
        .values({
          profileId: profile.profile.id,
          jwk,
          jwkThumbprint: thumbprint,
          contact: payload.contact ?? [],
          tokenId: eab?.tokenId ?? null,
        })
        .returning();
      if (!row) throw new Error("account insert returned no row");
      if (eab) {
        // Conditional, so two accounts racing for one key: one binds, the other rolls back.
        const claimed = await tx
          .update(acmeEabKeys)
          .set({ accountId: row.id, usedAt: post.ctx.now() })
          .where(and(eq(acmeEabKeys.id, eab.id), isNull(acmeEabKeys.accountId)))
          .returning({ id: acmeEabKeys.id });
        if (claimed.length === 0) {
          throw new AcmeProblem("unauthorized", "externalAccountBinding: the EAB key is used");
        }
      }
      // No token signs ACME requests: the row names the token the EAB key binds it to.
      auditRows.push(
        await recordAudit(tx, post.ctx, {
          principal: null,
          action: "acme.account_created",
          targetType: "acme_account",
          targetId: row.id,
          details: { profileId: row.profileId, eabKeyId: eab?.id ?? null, tokenId: row.tokenId },
        }),
      );
      return row;
    });
    streamAuditRows(post.ctx, auditRows);
    post.ctx.log.info(
      { profileId: profile.profile.id, accountId: account.id, eab: eab?.id },
      "ACME account created",
    );
    return { ...existing(profile.urls, account), status: 201 };
  } catch (error) {
    if (isUniqueViolation(error)) {
      // The same key registered concurrently: that account is the answer.
      const raced = await findByThumbprint(post.ctx, profile.profile.id, thumbprint);
      if (raced) return existing(profile.urls, raced);
    }
    throw error;
  }
}

function ownAccount(account: AcmeAccountRow | undefined, accountId: string): AcmeAccountRow {
  if (!account || account.id !== accountId.toLowerCase()) {
    throw new AcmeProblem("unauthorized", "The JWS is signed by a different account");
  }
  return account;
}

/** RFC 8555 7.3.2 and 7.3.6: read, update contacts, or deactivate an account. */
export async function updateAcmeAccount(
  post: AcmePost & { accountId: string },
): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const verified = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid", schema: updateAccountSchema, postAsGet: "allowed" },
  );
  let account = ownAccount(verified.account, post.accountId);
  const payload = verified.payload;
  if (payload && (payload.contact !== undefined || payload.status !== undefined)) {
    checkContacts(payload.contact);
    const deactivating = payload.status === "deactivated";
    const row = await inAuditedTransaction(post.ctx, async (tx, audit) => {
      const [row] = await tx
        .update(acmeAccounts)
        .set({
          contact: payload.contact,
          status: payload.status,
        })
        .where(and(eq(acmeAccounts.id, account.id), eq(acmeAccounts.status, "valid")))
        .returning();
      if (!row) throw new AcmeProblem("unauthorized", "The account is no longer valid");
      if (deactivating) {
        await audit({
          principal: null,
          action: "acme.account_deactivated",
          targetType: "acme_account",
          targetId: row.id,
          details: { profileId: row.profileId },
        });
      }
      return row;
    });
    account = row;
    if (payload.status) post.ctx.log.info({ accountId: account.id }, "ACME account deactivated");
  }
  return {
    status: 200,
    body: accountView(profile.urls, account),
    location: profile.urls.account(account.id),
  };
}

/** RFC 8555 7.1.2.1: the account's orders. */
export async function listAcmeOrders(post: AcmePost & { accountId: string }): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const verified = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid", postAsGet: "required" },
  );
  const account = ownAccount(verified.account, post.accountId);
  const rows = await post.ctx.db
    .select({ id: acmeOrders.id })
    .from(acmeOrders)
    .where(eq(acmeOrders.accountId, account.id))
    .orderBy(desc(acmeOrders.createdAt))
    .limit(1_000);
  return { status: 200, body: { orders: rows.map((row) => profile.urls.order(row.id)) } };
}

const keyChangeSchema = z.looseObject({
  account: z.string(),
  oldKey: z.record(z.string(), z.unknown()),
});

/** RFC 8555 7.3.5: key rollover, an inner JWS by the new key inside one by the account. */
export async function changeAcmeAccountKey(post: AcmePost): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const outer = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid" },
  );
  const account = outer.account as AcmeAccountRow;
  const inner = parseJws(outer.payload);
  let innerHeader: Record<string, unknown>;
  try {
    innerHeader = JSON.parse(new TextDecoder().decode(base64url.decode(inner.protected)));
  } catch {
    throw new AcmeProblem("malformed", "key-change: the inner JWS header is not JSON");
  }
  if (innerHeader.url !== post.url) {
    throw new AcmeProblem("malformed", "key-change: the inner JWS 'url' differs from the outer");
  }
  if (innerHeader.nonce !== undefined || innerHeader.kid !== undefined || !innerHeader.jwk) {
    throw new AcmeProblem("malformed", "key-change: the inner JWS has 'jwk' only, no nonce or kid");
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await flattenedVerify(inner, EmbeddedJWK, {
      algorithms: ["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"],
    }));
  } catch {
    throw new AcmeProblem("malformed", "key-change: the inner JWS signature does not verify");
  }
  let body: z.infer<typeof keyChangeSchema>;
  try {
    body = keyChangeSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
  } catch {
    throw new AcmeProblem("malformed", "key-change: the inner payload needs {account, oldKey}");
  }
  if (body.account !== profile.urls.account(account.id)) {
    throw new AcmeProblem("malformed", "key-change: 'account' is not the signing account");
  }
  if ((await jwkThumbprint(publicJwk(body.oldKey))) !== account.jwkThumbprint) {
    throw new AcmeProblem("malformed", "key-change: 'oldKey' is not the account's key");
  }
  const newJwk = publicJwk(innerHeader.jwk as Record<string, unknown>);
  const thumbprint = await jwkThumbprint(newJwk);
  const holder = await findByThumbprint(post.ctx, profile.profile.id, thumbprint);
  if (holder) {
    throw new AcmeProblem("malformed", "key-change: the new key belongs to an account already", {
      status: 409,
      location: profile.urls.account(holder.id),
    });
  }
  try {
    const row = await inAuditedTransaction(post.ctx, async (tx, audit) => {
      const [row] = await tx
        .update(acmeAccounts)
        .set({ jwk: newJwk, jwkThumbprint: thumbprint })
        .where(
          and(
            eq(acmeAccounts.id, account.id),
            eq(acmeAccounts.jwkThumbprint, account.jwkThumbprint),
          ),
        )
        .returning();
      if (!row)
        throw new AcmeProblem("malformed", "key-change: the account key changed meanwhile", {
          status: 409,
        });
      await audit({
        principal: null,
        action: "acme.account_key_changed",
        targetType: "acme_account",
        targetId: row.id,
        details: { from: account.jwkThumbprint, to: thumbprint },
      });
      return row;
    });
    post.ctx.log.info({ accountId: account.id }, "ACME account key changed");
    return {
      status: 200,
      body: accountView(profile.urls, row),
      location: profile.urls.account(row.id),
    };
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AcmeProblem("malformed", "key-change: the new key belongs to an account already", {
        status: 409,
      });
    }
    throw error;
  }
}
