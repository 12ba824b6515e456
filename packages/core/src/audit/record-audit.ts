import type {
  AuditAction,
  AuditLogRow,
  AuditTargetType,
  Database,
  Executor,
  Transaction,
} from "@certq/db";
import { sql } from "drizzle-orm";
import type { Principal } from "../auth/principal";
import type { ServiceContext } from "../context";
import { type RawAuditRow, readRawAuditRow, toAuditLogView } from "./audit-view";

/** One audited action. Details are facts (names, serials, reasons), never a secret or key. */
export interface AuditEntry {
  /** Who acted; null for the system (the worker, the reconciler). */
  principal: Pick<Principal, "tokenId" | "tokenName"> | null;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string;
  outcome?: "success" | "failure";
  details?: Record<string, unknown>;
}

/**
 * Appends one row inside the caller's transaction, so the row commits with the action or not
 * at all. Call it as the transaction's last step: the chain's lock (taken by the insert
 * trigger) is then held only until the commit that follows.
 */
export async function recordAudit(
  tx: Executor,
  ctx: Pick<ServiceContext, "origin">,
  entry: AuditEntry,
): Promise<AuditLogRow> {
  const rows = await tx.execute<Record<string, unknown>>(sql`
    insert into audit_log (token_id, token_name, action, target_type, target_id, request_id,
      source_address, outcome, details)
    values (${entry.principal?.tokenId ?? null}, ${entry.principal?.tokenName ?? null},
      ${entry.action}, ${entry.targetType}, ${entry.targetId}, ${ctx.origin?.requestId ?? null},
      ${ctx.origin?.sourceAddress ?? null}, ${entry.outcome ?? "success"},
      ${JSON.stringify(entry.details ?? {})}::jsonb)
    returning *`);
  const [row] = rows as unknown as RawAuditRow[];
  if (!row) throw new Error("audit insert returned no row");
  return readRawAuditRow(row);
}

/** CERTQ_AUDIT_LOG_STREAM: committed rows as JSON log lines (`audit: true`). */
export function streamAuditRows(
  ctx: Pick<ServiceContext, "log" | "streamAudit">,
  rows: readonly AuditLogRow[],
): void {
  if (!ctx.streamAudit) return;
  for (const row of rows) ctx.log.info({ audit: true, ...toAuditLogView(row) }, "audit");
}

/**
 * Runs `work` in one transaction with an `audit` that appends rows to it; the rows are
 * streamed once the transaction has committed.
 */
export async function inAuditedTransaction<T>(
  ctx: Pick<ServiceContext, "db" | "log" | "origin" | "streamAudit">,
  work: (tx: Transaction, audit: (entry: AuditEntry) => Promise<void>) => Promise<T>,
): Promise<T> {
  const rows: AuditLogRow[] = [];
  const result = await (ctx.db as Database).transaction((tx) =>
    work(tx, async (entry) => {
      rows.push(await recordAudit(tx, ctx, entry));
    }),
  );
  streamAuditRows(ctx, rows);
  return result;
}

/** An audited action that writes nothing else (a key read, a signature): one statement. */
export async function recordAuditNow(
  ctx: Pick<ServiceContext, "db" | "log" | "origin" | "streamAudit">,
  entry: AuditEntry,
): Promise<void> {
  streamAuditRows(ctx, [await recordAudit(ctx.db, ctx, entry)]);
}
