import { type CertificateRow, certificates } from "@certq/db";
import { PkiError, parseAcmeCertId, parseCertificate } from "@certq/pki";
import { eq } from "drizzle-orm";
import type { ServiceContext } from "../context";
import type { AcmeReply } from "./acme-context";
import { AcmeProblem } from "./acme-problem";
import { type AcmeProfile, findAcmeProfile } from "./acme-profile";

/** How long a client should wait before asking about the same certificate again. */
export const RENEWAL_INFO_RETRY_AFTER_SECONDS = 6 * 3600;
/** A revoked certificate's window: this long, closed at the revocation. */
const REVOKED_WINDOW_MS = 3_600_000;

export interface RenewalWindow {
  start: Date;
  end: Date;
}

/**
 * RFC 9773 4.2's suggestedWindow. For a certificate of validity V: from V/3 before notAfter
 * to V/6 before it (two thirds to five sixths of its life, as Let's Encrypt does), leaving
 * the last sixth for retries. A revoked certificate gets an hour that closed when it was
 * revoked: a window in the past, so a client renews at once.
 */
export function renewalWindow(
  certificate: Pick<CertificateRow, "notBefore" | "notAfter" | "status" | "revokedAt">,
  now: Date,
): RenewalWindow {
  if (certificate.status === "revoked") {
    const revokedAt = certificate.revokedAt ?? now;
    const end = new Date(Math.min(revokedAt.getTime(), now.getTime()));
    return { start: new Date(end.getTime() - REVOKED_WINDOW_MS), end };
  }
  const notAfter = certificate.notAfter.getTime();
  const validity = notAfter - certificate.notBefore.getTime();
  return {
    start: new Date(notAfter - Math.round(validity / 3)),
    end: new Date(notAfter - Math.round(validity / 6)),
  };
}

function issuingKeyIdentifier(profile: AcmeProfile): Buffer | undefined {
  if (!profile.ca.certificate) return undefined;
  const ski = parseCertificate(profile.ca.certificate).subjectKeyId;
  return ski ? Buffer.from(ski, "hex") : undefined;
}

/**
 * The certificate a certID names among this directory's: looked up by serial, then its
 * profile and CA checked, and the certID's key identifier against the CA's Subject Key
 * Identifier. `malformed` (400) when the certID cannot be read; undefined when no
 * certificate of this directory has it.
 */
export async function findCertificateByCertId(
  ctx: ServiceContext,
  profile: AcmeProfile,
  certId: string,
): Promise<CertificateRow | undefined> {
  let parsed: ReturnType<typeof parseAcmeCertId>;
  try {
    parsed = parseAcmeCertId(certId);
  } catch (error) {
    if (error instanceof PkiError) throw new AcmeProblem("malformed", `certID: ${error.message}`);
    throw error;
  }
  // Stored as issued: 40 hex digits (generateSerialNumber), as revoke-cert looks them up.
  const serial = parsed.serialNumber.toString("hex").padStart(40, "0");
  const [row] = await ctx.db
    .select()
    .from(certificates)
    .where(eq(certificates.serialNumber, serial))
    .limit(1);
  if (!row || row.profileId !== profile.profile.id || row.caId !== profile.ca.id) return undefined;
  const expected = issuingKeyIdentifier(profile);
  return expected?.equals(parsed.keyIdentifier) ? row : undefined;
}

/**
 * RFC 9773 4.2: GET {renewalInfo}/{certID}, unauthenticated. 404 for a certificate this
 * directory did not issue.
 */
export async function getAcmeRenewalInfo(args: {
  ctx: ServiceContext;
  profileId: string;
  certId: string;
}): Promise<AcmeReply> {
  const profile = await findAcmeProfile(args.ctx, args.profileId);
  const row = await findCertificateByCertId(args.ctx, profile, args.certId);
  if (!row) {
    throw new AcmeProblem("malformed", "This directory issued no certificate with that certID", {
      status: 404,
    });
  }
  const window = renewalWindow(row, args.ctx.now());
  return {
    status: 200,
    body: {
      suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() },
    },
    retryAfter: RENEWAL_INFO_RETRY_AFTER_SECONDS,
  };
}
