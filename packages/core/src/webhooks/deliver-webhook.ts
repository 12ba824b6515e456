import { certificateProfiles, certificateRequests, certificates } from "@certq/db";
import { eq } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { OutboundRefusedError } from "../errors";
import { openWebhookSecret } from "./webhook-secret";
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from "./webhook-signature";

const TIMEOUT_MS = 10_000;

/**
 * The event a profile's webhook receives when one of its requests ends; a renewal's success
 * is `certificate.renewed`, naming the certificate it replaces.
 */
export interface WebhookEvent {
  id: string;
  type: "certificate.issued" | "certificate.renewed" | "certificate_request.failed";
  createdAt: string;
  data: {
    certificateRequestId: string;
    profileId: string;
    status: "issued" | "failed";
    certificateId: string | null;
    serialNumber: string | null;
    errorMessage: string | null;
    /** The certificate a renewal replaces; null for a first issuance. */
    replacesCertificateId: string | null;
  };
}

/**
 * POSTs the outcome of a finished request to its profile's webhook, signed with HMAC-SHA256,
 * through ctx.outbound (internal addresses refused unless allowlisted). Redirects are not
 * followed: a 3xx is a failed delivery and its Location is never contacted. Throws on a
 * non-2xx answer or a network error so the queue retries with backoff, and
 * OutboundRefusedError (permanent) for a refused address. Returns false when there is
 * nothing to send (no webhook, request still pending).
 */
export async function deliverWebhook(args: {
  ctx: ServiceContext;
  requestId: string;
}): Promise<boolean> {
  const { ctx } = args;
  const [row] = await ctx.db
    .select({ request: certificateRequests, profile: certificateProfiles })
    .from(certificateRequests)
    .innerJoin(certificateProfiles, eq(certificateProfiles.id, certificateRequests.profileId))
    .where(eq(certificateRequests.id, args.requestId));
  const url = row?.profile.webhookUrl;
  const sealed = row?.profile.webhookSecret;
  if (!row || !url || !sealed || row.request.status === "pending") return false;
  const { request, profile } = row;
  const status = row.request.status;
  const [certificate] = request.certificateId
    ? await ctx.db
        .select({ serialNumber: certificates.serialNumber })
        .from(certificates)
        .where(eq(certificates.id, request.certificateId))
    : [];
  const event: WebhookEvent = {
    id: `evt_${request.id.replaceAll("-", "")}`,
    type:
      request.status !== "issued"
        ? "certificate_request.failed"
        : request.replacesCertificateId
          ? "certificate.renewed"
          : "certificate.issued",
    createdAt: request.updatedAt.toISOString(),
    data: {
      certificateRequestId: request.id,
      profileId: profile.id,
      status,
      certificateId: request.certificateId,
      serialNumber: certificate?.serialNumber ?? null,
      errorMessage: request.errorMessage,
      replacesCertificateId: request.replacesCertificateId,
    },
  };
  const body = JSON.stringify(event);
  const secret = openWebhookSecret(ctx.kek, profile.id, sealed);
  // The host only: a webhook URL's path or query often carries the receiver's own secret.
  const host = new URL(url).host;
  const res = await ctx.outbound
    .fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook(
          secret,
          body,
          Math.floor(ctx.now().getTime() / 1000),
        ),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    .catch((error: unknown) => {
      if (error instanceof OutboundRefusedError) {
        ctx.log.warn(
          { requestId: request.id, host, address: error.address, reason: error.reason },
          "webhook refused",
        );
      }
      throw error;
    });
  await res.body?.cancel();
  if (res.status >= 300 && res.status < 400) {
    throw new Error(`webhook to ${host} answered ${res.status}; redirects are not followed`);
  }
  if (!res.ok) throw new Error(`webhook to ${host} answered ${res.status}`);
  ctx.log.info({ requestId: request.id, type: event.type }, "webhook delivered");
  return true;
}
