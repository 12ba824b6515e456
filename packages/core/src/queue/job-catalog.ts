import { z } from "zod";

/** The issuance queue's name; keys live under the configured hash-tag prefix, e.g. {certq}. */
export const ISSUANCE_QUEUE = "issuance";
/** Housekeeping (CRL builds), on its own queue so it never waits behind a backlog. */
export const MAINTENANCE_QUEUE = "maintenance";
/** Webhook deliveries, retried with backoff, apart from issuance so they never slow it. */
export const WEBHOOK_QUEUE = "webhooks";
/** ACME challenge validations: outbound connections to clients, apart from issuance. */
export const ACME_VALIDATION_QUEUE = "acme-validation";

/**
 * Every job name with its payload schema. Payloads carry IDs only: job data sits in clear
 * in Redis, so never a key or a certificate.
 */
export const jobCatalog = {
  issue: z.strictObject({ requestId: z.uuid() }),
  "rebuild-crl": z.strictObject({ caId: z.uuid() }),
  "deliver-webhook": z.strictObject({ requestId: z.uuid() }),
  "validate-challenge": z.strictObject({ challengeId: z.uuid() }),
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]>;

export function parseJobPayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return jobCatalog[name].parse(data) as JobPayload<N>;
}
