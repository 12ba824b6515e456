import { randomUUID } from "node:crypto";
import {
  type CertificateRequestRow,
  certificateRequests,
  columnNames,
  type Database,
  rawSql,
} from "@certq/db";
import { and, eq, inArray } from "drizzle-orm";
import { type Principal, requireScope } from "../auth/principal";
import { assertCaCanSign } from "../cas/find-ca";
import type { QueueingContext, ServiceContext } from "../context";
import { IdempotencyMismatchError, UnavailableError } from "../errors";
import { createGroupCommit } from "../group-commit";
import { findIssuingProfile } from "../profiles/find-issuing-profile";
import { enqueueIssuanceJobs, type IssuanceQueue, planIssuanceJobs } from "../queue/issuance-queue";
import { hashRequestBody } from "./request-hash";
import type { SubmitCertificateInput } from "./request-schemas";
import { type ResolvedRequest, resolveRequest } from "./resolve-request";

/** Puts a committed request's job on the queue. */
export type Enqueue = (requestId: string) => Promise<unknown>;

export interface SubmittedRequest {
  requestId: string;
  status: CertificateRequestRow["status"];
  /** False when an Idempotency-Key replay returned an earlier request. */
  created: boolean;
  /** The issuance job that carries it (waitForJob). */
  jobId: string;
}

/**
 * Validates and policy-checks at once (nothing is stored for a request that can never
 * succeed), commits the request as pending, then enqueues it with its ID as the job ID.
 */
export async function submitCertificateRequest(args: {
  ctx: Pick<QueueingContext, keyof ServiceContext | "issuance">;
  principal: Principal;
  input: SubmitCertificateInput;
  idempotencyKey?: string;
}): Promise<SubmittedRequest> {
  requireScope(args.principal, "certificates:issue");
  const { ctx, input } = args;
  const requestHash = hashRequestBody(input);
  const tokenId = args.principal.tokenId;

  if (args.idempotencyKey) {
    const earlier = await findByIdempotencyKey(ctx, tokenId, args.idempotencyKey);
    if (earlier) return replay(earlier, requestHash);
  }

  const { profile, ca, nameConstraints } = await findIssuingProfile(ctx, input.profileId);
  const now = ctx.now();
  assertCaCanSign(ca, now);
  const { profileId: _p, csr, attributes, removeRootsFromChain: _r, ...topLevel } = input;
  const resolved = await resolveRequest({
    profile,
    ca,
    attributes: { ...topLevel, ...attributes },
    csr,
    now,
    nameConstraints,
  });
  await ctx.issuance.admit(args.principal);

  const row = await ctx.issuance.accept({
    profileId: profile.id,
    caId: ca.id,
    resolved,
    tokenId,
    idempotencyKey: args.idempotencyKey ?? null,
    requestHash,
  });
  if (!row) {
    // A concurrent submission with the same Idempotency-Key won the race.
    const earlier = args.idempotencyKey
      ? await findByIdempotencyKey(ctx, tokenId, args.idempotencyKey)
      : undefined;
    if (!earlier) throw new Error("request insert returned no row");
    return replay(earlier, requestHash);
  }

  ctx.log.info({ requestId: row.id, profileId: profile.id }, "certificate request accepted");
  return { requestId: row.id, status: row.status, created: true, jobId: row.jobId };
}

/**
 * Queues a committed request's job. If that fails nothing was accepted: the row is removed,
 * so a retry (even with the same Idempotency-Key) starts clean, and the client gets a 503.
 */
export async function enqueueOrWithdraw(
  ctx: Pick<QueueingContext, "db" | "log" | "issuance">,
  requestId: string,
): Promise<void> {
  try {
    await ctx.issuance.enqueue(requestId);
  } catch (error) {
    throw await withdraw(ctx, [requestId], error);
  }
}

/**
 * Removes committed requests whose jobs could not be queued, and returns the 503 to throw:
 * nothing was accepted, so a retry (even with the same Idempotency-Key) starts clean.
 */
async function withdraw(
  ctx: Pick<ServiceContext, "db" | "log">,
  requestIds: string[],
  error: unknown,
): Promise<UnavailableError> {
  if (requestIds.length > 0) {
    await ctx.db.delete(certificateRequests).where(inArray(certificateRequests.id, requestIds));
  }
  ctx.log.warn({ requestIds, err: (error as Error).message }, "enqueue failed");
  return new UnavailableError("Redis", "The issuance queue is unavailable; try again shortly");
}

/** A validated submission, ready to be stored as pending. */
export interface PendingRequest {
  profileId: string;
  caId: string;
  resolved: ResolvedRequest;
  tokenId: string;
  idempotencyKey: string | null;
  requestHash: string;
}

/** A request stored as pending, and the ID of the job that carries it. */
export type AcceptedRequest = Pick<CertificateRequestRow, "id" | "status"> & { jobId: string };

/**
 * Stores a submission as pending and queues its job. Undefined when a concurrent submission
 * with the same Idempotency-Key got there first. Throws UnavailableError, with nothing
 * stored, when the queue cannot take the job.
 */
export type AcceptPendingRequest = (
  request: PendingRequest,
) => Promise<AcceptedRequest | undefined>;

/** Column names from the schema: a renamed property fails tsc (see columnNames). */
const REQUEST_COLUMNS = columnNames(certificateRequests);

/**
 * Submissions arriving together share one INSERT, and so one commit (see createGroupCommit),
 * then one round trip to Redis for their jobs, quick ones several to a job (planIssuanceJobs).
 * Each row names its job before it commits, so the reconciler can tell a request whose job
 * is gone. A prepared statement: nothing is built or planned per call. Keep one per process.
 */
export function createRequestAcceptor(options: {
  db: Database;
  queue: IssuanceQueue;
  log: ServiceContext["log"];
}): AcceptPendingRequest {
  const { db, queue, log } = options;
  return createGroupCommit(async (batch: PendingRequest[]) => {
    // IDs made here tell which rows went in: ON CONFLICT DO NOTHING leaves the others out.
    const ids = batch.map(() => randomUUID());
    const jobs = planIssuanceJobs(
      batch.map((r, i) => ({ id: ids[i] as string, quick: isQuickToIssue(r.resolved) })),
    );
    const jobOf = new Map(jobs.flatMap((job) => job.requestIds.map((id) => [id, job.jobId])));
    const input = batch.map((r, i) => {
      const id = ids[i] as string;
      const jobId = jobOf.get(id);
      return {
        id,
        profile_id: r.profileId,
        ca_id: r.caId,
        kind: r.resolved.kind,
        params: r.resolved.params,
        csr: r.resolved.csr,
        token_id: r.tokenId,
        idempotency_key: r.idempotencyKey,
        request_hash: r.requestHash,
        job_id: jobId === id ? null : jobId,
      };
    });
    const q = rawSql(db);
    const c = REQUEST_COLUMNS;
    const rows = await q<Pick<CertificateRequestRow, "id" | "status">[]>`
      insert into certificate_requests
        (${q(c.id)}, ${q(c.profileId)}, ${q(c.caId)}, ${q(c.kind)}, ${q(c.params)}, ${q(c.csr)},
          ${q(c.tokenId)}, ${q(c.idempotencyKey)}, ${q(c.requestHash)}, ${q(c.jobId)})
      select id, profile_id, ca_id, kind, params, csr, token_id, idempotency_key, request_hash,
        job_id
      from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(
        id uuid, profile_id uuid, ca_id uuid, kind text, params jsonb, csr text, token_id uuid,
        idempotency_key text, request_hash text, job_id uuid)
      on conflict do nothing
      returning ${q(c.id)} as id, ${q(c.status)} as status`;
    const inserted = new Map(rows.map((row) => [row.id, row]));
    const queued = jobs
      .map((job) => ({ ...job, requestIds: job.requestIds.filter((id) => inserted.has(id)) }))
      .filter((job) => job.requestIds.length > 0);
    try {
      await enqueueIssuanceJobs(queue, queued);
    } catch (error) {
      throw await withdraw({ db, log }, [...inserted.keys()], error);
    }
    return ids.map((id) => {
      const row = inserted.get(id);
      return row && { ...row, jobId: jobOf.get(id) as string };
    });
  });
}

/** Issuing it takes well under a millisecond: a CSR to sign, or a P-256 key to generate. */
function isQuickToIssue(request: ResolvedRequest): boolean {
  return request.kind === "sign-csr" || request.params.keyAlgorithm === "EC_prime256v1";
}

async function findByIdempotencyKey(ctx: ServiceContext, tokenId: string, key: string) {
  const [row] = await ctx.db
    .select()
    .from(certificateRequests)
    .where(
      and(eq(certificateRequests.tokenId, tokenId), eq(certificateRequests.idempotencyKey, key)),
    )
    .limit(1);
  return row;
}

function replay(earlier: CertificateRequestRow, requestHash: string): SubmittedRequest {
  if (earlier.requestHash !== requestHash) throw new IdempotencyMismatchError();
  return {
    requestId: earlier.id,
    status: earlier.status,
    created: false,
    jobId: earlier.jobId ?? earlier.id,
  };
}
