import { AUDIT_ACTIONS, AUDIT_OUTCOMES, AUDIT_TARGET_TYPES, type AuditLogRow } from "@certq/db";
import { z } from "zod";

export const auditLogViewSchema = z.object({
  /** Position in the chain: 1, 2, 3, ... in commit order. */
  seq: z.number().int(),
  createdAt: z.string(),
  /** The token that acted; null for the system (worker, reconciler). */
  tokenId: z.uuid().nullable(),
  tokenName: z.string().nullable(),
  action: z.enum(AUDIT_ACTIONS),
  targetType: z.enum(AUDIT_TARGET_TYPES),
  targetId: z.string(),
  requestId: z.string().nullable(),
  sourceAddress: z.string().nullable(),
  outcome: z.enum(AUDIT_OUTCOMES),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditLogView = z.infer<typeof auditLogViewSchema>;

export function toAuditLogView(row: AuditLogRow): AuditLogView {
  return { ...row, createdAt: row.createdAt.toISOString() };
}

/** An audit_log row as a raw (postgres.js) query returns it. */
export interface RawAuditRow {
  seq: string | number;
  created_at: string | Date;
  token_id: string | null;
  token_name: string | null;
  action: AuditLogRow["action"];
  target_type: AuditLogRow["targetType"];
  target_id: string;
  request_id: string | null;
  source_address: string | null;
  outcome: AuditLogRow["outcome"];
  details: Record<string, unknown> | string;
  prev_hash: string;
  hash: string;
}

export function readRawAuditRow(raw: RawAuditRow): AuditLogRow {
  return {
    seq: Number(raw.seq),
    createdAt: new Date(raw.created_at),
    tokenId: raw.token_id,
    tokenName: raw.token_name,
    action: raw.action,
    targetType: raw.target_type,
    targetId: raw.target_id,
    requestId: raw.request_id,
    sourceAddress: raw.source_address,
    outcome: raw.outcome,
    details: typeof raw.details === "string" ? JSON.parse(raw.details) : raw.details,
    prevHash: raw.prev_hash,
    hash: raw.hash,
  };
}
