import { randomUUID } from "node:crypto";
import {
  type CertificateRequestRow,
  certificateRequests,
  columnNames,
  type Database,
  rawSql,
} from "@certq/db";
import { and, eq } from "drizzle-orm";
import { type Principal, requireScope } from "../auth/principal";
import { assertCaCanSign } from "../cas/find-ca";
import type { QueueingContext, ServiceContext } from "../context";
import { IdempotencyMismatchError, UnavailableError } from "../errors";
import { createGroupCommit } from "../group-commit";
import { findIssuingProfile } from "../profiles/find-issuing-profile";
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

  const row = await ctx.issuance.insert({
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

  await enqueueOrWithdraw(ctx, row.id);
  ctx.log.info({ requestId: row.id, profileId: profile.id }, "certificate request accepted");
  return { requestId: row.id, status: row.status, created: true };
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
    await ctx.db.delete(certificateRequests).where(eq(certificateRequests.id, requestId));
    ctx.log.warn({ requestId, err: (error as Error).message }, "enqueue failed");
    throw new UnavailableError("Redis", "The issuance queue is unavailable; try again shortly");
  }
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

/**
 * Stores a submission as pending. Undefined when a concurrent submission with the same
 * Idempotency-Key got there first.
 */
export type InsertPendingRequest = (
  request: PendingRequest,
) => Promise<Pick<CertificateRequestRow, "id" | "status"> | undefined>;

/**
 * Submissions arriving together share one INSERT, and so one commit (see createGroupCommit);
 * a prepared statement, so nothing is built or planned per call. Keep one per process.
 */
/** Column names from the schema: a renamed property fails tsc (see columnNames). */
const REQUEST_COLUMNS = columnNames(certificateRequests);

export function createPendingRequestInserter(db: Database): InsertPendingRequest {
  return createGroupCommit(async (batch: PendingRequest[]) => {
    // IDs made here tell which rows went in: ON CONFLICT DO NOTHING leaves the others out.
    const ids = batch.map(() => randomUUID());
    const input = batch.map((r, i) => ({
      id: ids[i],
      profile_id: r.profileId,
      ca_id: r.caId,
      kind: r.resolved.kind,
      params: r.resolved.params,
      csr: r.resolved.csr,
      token_id: r.tokenId,
      idempotency_key: r.idempotencyKey,
      request_hash: r.requestHash,
    }));
    const q = rawSql(db);
    const c = REQUEST_COLUMNS;
    const rows = await q<Pick<CertificateRequestRow, "id" | "status">[]>`
      insert into certificate_requests
        (${q(c.id)}, ${q(c.profileId)}, ${q(c.caId)}, ${q(c.kind)}, ${q(c.params)}, ${q(c.csr)},
          ${q(c.tokenId)}, ${q(c.idempotencyKey)}, ${q(c.requestHash)})
      select id, profile_id, ca_id, kind, params, csr, token_id, idempotency_key, request_hash
      from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(
        id uuid, profile_id uuid, ca_id uuid, kind text, params jsonb, csr text, token_id uuid,
        idempotency_key text, request_hash text)
      on conflict do nothing
      returning ${q(c.id)} as id, ${q(c.status)} as status`;
    const inserted = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => inserted.get(id as string));
  });
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
  return { requestId: earlier.id, status: earlier.status, created: false };
}
