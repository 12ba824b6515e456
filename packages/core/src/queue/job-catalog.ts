import { z } from "zod";

/** The issuance queue's name; keys live under the configured hash-tag prefix, e.g. {certq}. */
export const ISSUANCE_QUEUE = "issuance";
/** Housekeeping (CRL builds), on its own queue so it never waits behind a backlog. */
export const MAINTENANCE_QUEUE = "maintenance";
/** Webhook deliveries, retried with backoff, apart from issuance so they never slow it. */
export const WEBHOOK_QUEUE = "webhooks";
/** ACME challenge validations: outbound connections to clients, apart from issuance. */
export const ACME_VALIDATION_QUEUE = "acme-validation";

/** Most requests one issuance job carries (see planIssuanceJobs). */
export const MAX_JOB_REQUESTS = 32;

/**
 * Every job name with its payload schema. Payloads carry IDs only: job data sits in clear
 * in Redis, so never a key or a certificate.
 */
export const jobCatalog = {
  // One request under its own ID as the job ID, or requests submitted together.
  issue: z.union([
    z.strictObject({ requestId: z.uuid() }),
    z.strictObject({ requestIds: z.array(z.uuid()).min(1).max(MAX_JOB_REQUESTS) }),
  ]),
  "rebuild-crl": z.strictObject({ caId: z.uuid() }),
  "deliver-webhook": z.strictObject({ requestId: z.uuid() }),
  "validate-challenge": z.strictObject({ challengeId: z.uuid() }),
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]>;

export function parseJobPayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return jobCatalog[name].parse(data) as JobPayload<N>;
}

/** The requests an issue job carries. */
export function issueJobRequestIds(payload: JobPayload<"issue">): string[] {
  return "requestIds" in payload ? payload.requestIds : [payload.requestId];
}
