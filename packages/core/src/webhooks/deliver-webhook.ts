import { certificateProfiles, certificateRequests, certificates } from "@certq/db";
import { eq } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { openWebhookSecret } from "./webhook-secret";
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from "./webhook-signature";

const TIMEOUT_MS = 10_000;

/** The event a profile's webhook receives when one of its requests ends. */
export interface WebhookEvent {
  id: string;
  type: "certificate.issued" | "certificate_request.failed";
  createdAt: string;
  data: {
    certificateRequestId: string;
    profileId: string;
    status: "issued" | "failed";
    certificateId: string | null;
    serialNumber: string | null;
    errorMessage: string | null;
  };
}

/**
 * POSTs the outcome of a finished request to its profile's webhook, signed with HMAC-SHA256.
 * Throws on a non-2xx answer or a network error so the queue retries with backoff.
 * Returns false when there is nothing to send (no webhook, request still pending).
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
    type: request.status === "issued" ? "certificate.issued" : "certificate_request.failed",
    createdAt: request.updatedAt.toISOString(),
    data: {
      certificateRequestId: request.id,
      profileId: profile.id,
      status,
      certificateId: request.certificateId,
      serialNumber: certificate?.serialNumber ?? null,
      errorMessage: request.errorMessage,
    },
  };
  const body = JSON.stringify(event);
  const secret = openWebhookSecret(ctx.kek, profile.id, sealed);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(ctx.now().getTime() / 1000)),
    },
    body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`webhook ${url} answered ${res.status}`);
  ctx.log.info({ requestId: request.id, type: event.type }, "webhook delivered");
  return true;
}
