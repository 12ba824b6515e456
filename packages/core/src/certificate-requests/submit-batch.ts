import { z } from "zod";
import { type Principal, requireScope } from "../auth/principal";
import type { QueueingContext, ServiceContext } from "../context";
import { submitCertificateInputSchema } from "./request-schemas";
import { type SubmittedRequest, submitCertificateRequest } from "./submit-request";

export const MAX_BATCH_SIZE = 1_000;

/** The batch's envelope: an array of objects, each validated on its own, so one bad item fails alone. */
export const submitBatchInputSchema = z.strictObject({
  requests: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_BATCH_SIZE),
});
export type SubmitBatchInput = z.infer<typeof submitBatchInputSchema>;

/** One item's outcome: its request, or the error that refused it (nothing stored). */
export type BatchItemOutcome =
  | { index: number; submitted: SubmittedRequest }
  | { index: number; error: unknown };

/**
 * Fleet provisioning: up to 1,000 submissions in one call, each validated, policy-checked,
 * admitted and stored exactly as a single submission is. They run together, so their
 * inserts and enqueues share the group commits (a few statements for the whole batch). With
 * an Idempotency-Key, item i is submitted under `<key>:<i>`: the same batch again returns the
 * same requests, item by item.
 */
export async function submitCertificateBatch(args: {
  ctx: Pick<QueueingContext, keyof ServiceContext | "issuance">;
  principal: Principal;
  input: SubmitBatchInput;
  idempotencyKey?: string;
}): Promise<BatchItemOutcome[]> {
  requireScope(args.principal, "certificates:issue");
  return Promise.all(
    args.input.requests.map(async (item, index): Promise<BatchItemOutcome> => {
      try {
        const parsed = submitCertificateInputSchema.safeParse(item);
        if (!parsed.success) {
          // Each issue names its field under the item: requests.<i>.<field>.
          throw new z.ZodError(
            parsed.error.issues.map((issue) => ({
              ...issue,
              path: ["requests", index, ...issue.path],
            })),
          );
        }
        const submitted = await submitCertificateRequest({
          ctx: args.ctx,
          principal: args.principal,
          input: parsed.data,
          idempotencyKey: args.idempotencyKey && `${args.idempotencyKey}:${index}`,
        });
        return { index, submitted };
      } catch (error) {
        return { index, error };
      }
    }),
  );
}
