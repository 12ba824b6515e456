import { X509Certificate } from "node:crypto";
import { type AcmeAccountRow, acmeOrders, certificates } from "@certq/db";
import { REVOCATION_REASONS, type RevocationReason } from "@certq/pki";
import { and, eq } from "drizzle-orm";
import { base64url, type JWK } from "jose";
import { z } from "zod";
import type { ServiceContext } from "../context";
import { revokeIssuedCertificate } from "../revocation/revoke-certificate";
import { isUuid } from "../uuid";
import type { AcmePost, AcmeReply } from "./acme-context";
import { AcmeProblem } from "./acme-problem";
import { findAcmeProfile } from "./acme-profile";
import { jwkThumbprint, verifyAcmeRequest } from "./verify-jws";

/** Whether an account ordered this certificate (through any of its orders). */
async function accountOrdered(ctx: ServiceContext, account: AcmeAccountRow, certificateId: string) {
  const [row] = await ctx.db
    .select({ id: acmeOrders.id })
    .from(acmeOrders)
    .where(and(eq(acmeOrders.accountId, account.id), eq(acmeOrders.certificateId, certificateId)))
    .limit(1);
  return row !== undefined;
}

/** RFC 8555 7.4.2: the certificate and its chain, one PEM file, for the account that ordered it. */
export async function downloadAcmeCertificate(
  post: AcmePost & { certificateId: string },
): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const { account } = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "kid", postAsGet: "required" },
  );
  const missing = new AcmeProblem("malformed", `No certificate '${post.certificateId}'`, {
    status: 404,
  });
  if (!isUuid(post.certificateId)) throw missing;
  const id = post.certificateId.toLowerCase();
  const [row] = await post.ctx.db
    .select()
    .from(certificates)
    .where(eq(certificates.id, id))
    .limit(1);
  if (!row) throw missing;
  if (!(await accountOrdered(post.ctx, account as AcmeAccountRow, id))) {
    throw new AcmeProblem("unauthorized", "The certificate was not ordered by this account");
  }
  const pem = `${row.certificate.trim()}\n${row.certificateChain.trim()}\n`;
  return { status: 200, body: pem, contentType: "application/pem-certificate-chain" };
}

const REASON_BY_CODE = new Map<number, RevocationReason>(
  Object.entries(REVOCATION_REASONS).map(([name, code]) => [code, name as RevocationReason]),
);

const revokeSchema = z.looseObject({
  certificate: z.string().min(1).max(65_536),
  reason: z.number().int().optional(),
});

/**
 * RFC 8555 7.6: revoke-cert, signed by the account that ordered the certificate (`kid`) or
 * by the certificate's own key (`jwk`). Then the CA's OCSP answers and CRL say so.
 */
export async function revokeAcmeCertificate(post: AcmePost): Promise<AcmeReply> {
  const profile = await findAcmeProfile(post.ctx, post.profileId);
  const { payload, account, jwk } = await verifyAcmeRequest(
    post,
    { profileId: profile.profile.id, urls: profile.urls },
    { key: "either", schema: revokeSchema },
  );
  if (!payload) throw new AcmeProblem("malformed", "revoke-cert needs {certificate}");
  const reason = REASON_BY_CODE.get(payload.reason ?? 0);
  if (!reason) {
    throw new AcmeProblem(
      "badRevocationReason",
      `Revocation reason ${payload.reason} is not allowed`,
    );
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(Buffer.from(base64url.decode(payload.certificate)));
  } catch {
    throw new AcmeProblem("malformed", "certificate: not a base64url DER certificate");
  }
  const serial = x509.serialNumber.toLowerCase().padStart(40, "0");
  const [row] = await post.ctx.db
    .select()
    .from(certificates)
    .where(eq(certificates.serialNumber, serial))
    .limit(1);
  if (
    !row ||
    row.profileId !== profile.profile.id ||
    !new X509Certificate(row.certificate).raw.equals(x509.raw)
  ) {
    throw new AcmeProblem("malformed", "This directory did not issue that certificate", {
      status: 404,
    });
  }
  if (account) {
    if (!(await accountOrdered(post.ctx, account, row.id))) {
      throw new AcmeProblem("unauthorized", "The certificate was not ordered by this account");
    }
  } else {
    const certificateJwk = x509.publicKey.export({ format: "jwk" }) as JWK;
    if ((await jwkThumbprint(certificateJwk)) !== (await jwkThumbprint(jwk as JWK))) {
      throw new AcmeProblem("unauthorized", "The JWS key is not the certificate's key");
    }
  }
  const revoked = await revokeIssuedCertificate({
    ctx: post.ctx,
    certificate: row,
    reason,
    // No token signs an ACME request: the row names the account (and the token it acts for).
    principal: null,
    revokedBy: account
      ? { acmeAccountId: account.id, acmeAccountTokenId: account.tokenId }
      : { acme: "signed with the certificate's key" },
    announceRevocation: post.acme.announceRevocation,
  });
  if (!revoked) throw new AcmeProblem("alreadyRevoked", "The certificate is already revoked");
  return { status: 200, body: "" };
}
