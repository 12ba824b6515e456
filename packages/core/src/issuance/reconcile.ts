import { certificateRequests } from "@certq/db";
import type { JobState } from "bullmq";
import { and, asc, eq, lt, sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { enqueueIssuance, type IssuanceQueue } from "../queue/issuance-queue";
import { failRequest } from "./issue-request";

/**
 * The API commits a request, then enqueues it; a request younger than this may simply not
 * have reached the queue yet, so the reconciler leaves it alone.
 */
export const RECONCILE_GRACE_MS = 2_000;
const BATCH = 500;

/** A job that will not issue its requests (any more): missing, failed or finished. */
const isGone = (state: JobState | "unknown") =>
  state === "unknown" || state === "failed" || state === "completed";

export interface ReconcileReport {
  checked: number;
  requeued: number;
  expired: number;
}

/**
 * Postgres is the record, Redis only holds work: every pending request must have a live job.
 * Re-enqueues those whose job is missing (Redis flushed or restarted without persistence)
 * or dead (failed or completed while the request stayed pending), and fails those pending
 * longer than `maxAgeMs`. A request whose shared job is gone gets a job of its own. Safe to
 * run concurrently: re-enqueued jobs are keyed by request ID.
 */
export async function reconcilePendingRequests(args: {
  ctx: ServiceContext;
  queue: IssuanceQueue;
  maxAgeMs: number;
}): Promise<ReconcileReport> {
  const { ctx, queue } = args;
  const now = ctx.now().getTime();
  const report: ReconcileReport = { checked: 0, requeued: 0, expired: 0 };
  // Requests submitted together share a job: its state is read once per pass.
  const states = new Map<string, Promise<JobState | "unknown">>();
  const sharedJobState = (jobId: string) => {
    const state = states.get(jobId) ?? queue.getJobState(jobId);
    states.set(jobId, state);
    return state;
  };
  let cursor = { createdAt: new Date(0), id: "00000000-0000-0000-0000-000000000000" };
  for (;;) {
    const pending = await ctx.db
      .select({
        id: certificateRequests.id,
        createdAt: certificateRequests.createdAt,
        jobId: certificateRequests.jobId,
      })
      .from(certificateRequests)
      .where(
        and(
          eq(certificateRequests.status, "pending"),
          lt(certificateRequests.createdAt, new Date(now - RECONCILE_GRACE_MS)),
          // Keyset pagination: a long backlog is walked once, in order.
          sql`(${certificateRequests.createdAt}, ${certificateRequests.id}) > (${cursor.createdAt.toISOString()}::timestamptz, ${cursor.id}::uuid)`,
        ),
      )
      .orderBy(asc(certificateRequests.createdAt), asc(certificateRequests.id))
      .limit(BATCH);
    if (pending.length === 0) break;
    for (const request of pending) {
      report.checked++;
      if (now - request.createdAt.getTime() > args.maxAgeMs) {
        const failed = await failRequest({
          ctx,
          requestId: request.id,
          errorMessage: `Request stayed pending for more than ${Math.round(args.maxAgeMs / 1000)} s and was abandoned; submit it again`,
        });
        if (failed) report.expired++;
        continue;
      }
      let state = await sharedJobState(request.jobId ?? request.id);
      if (request.jobId !== null && isGone(state)) {
        // The job it shared is gone: it gets one of its own, under its ID.
        await ctx.db
          .update(certificateRequests)
          .set({ jobId: null })
          .where(
            and(eq(certificateRequests.id, request.id), eq(certificateRequests.status, "pending")),
          );
        state = await queue.getJobState(request.id);
      }
      if (isGone(state)) {
        if (state !== "unknown") await queue.remove(request.id).catch(() => {});
        await enqueueIssuance(queue, request.id);
        report.requeued++;
      }
    }
    const last = pending[pending.length - 1];
    if (!last || pending.length < BATCH) break;
    cursor = last;
  }
  if (report.requeued > 0 || report.expired > 0) {
    ctx.log.warn(report, "reconciler repaired pending requests");
  }
  return report;
}
