import { bigint, index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { timestamptz } from "./columns";

/** Every action the audit log records; one row each. */
export const AUDIT_ACTIONS = [
  "ca.created",
  "ca.certificate_imported",
  "ca.intermediate_signed",
  "ca.enabled",
  "ca.disabled",
  "profile.created",
  "profile.updated",
  "profile.deleted",
  "profile.webhook_secret_generated",
  "token.created",
  "token.deleted",
  "certificate.issued",
  "certificate.revoked",
  "certificate.private_key_read",
  "certificate.uploaded",
  "certificate.renamed",
  "certificate.activated",
  "certificate.deactivated",
  "certificate.deleted",
  "certificate_request.failed",
  "acme.eab_key_created",
  "acme.account_created",
  "acme.account_deactivated",
  "acme.account_key_changed",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGET_TYPES = [
  "ca",
  "profile",
  "token",
  "certificate",
  "uploaded_certificate",
  "certificate_request",
  "acme_account",
  "acme_eab_key",
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export const AUDIT_OUTCOMES = ["success", "failure"] as const;

/**
 * Append-only, hash-chained. `seq`, `created_at`, `prev_hash` and `hash` are set by the
 * BEFORE INSERT trigger of migration audit_log_chain (under an advisory lock held to commit),
 * so every writer, one-statement group commits included, extends one chain in commit order.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey(),
    createdAt: timestamptz("created_at").notNull(),
    /** The token that acted; null for the system (the worker, the reconciler). */
    tokenId: uuid("token_id"),
    tokenName: text("token_name"),
    action: text("action", { enum: AUDIT_ACTIONS }).notNull(),
    targetType: text("target_type", { enum: AUDIT_TARGET_TYPES }).notNull(),
    targetId: text("target_id").notNull(),
    /** X-Request-Id of the API request; null outside one. */
    requestId: text("request_id"),
    sourceAddress: text("source_address"),
    outcome: text("outcome", { enum: AUDIT_OUTCOMES }).notNull(),
    /** Facts about the action; never a secret or a key. */
    details: jsonb("details").$type<Record<string, unknown>>().notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_log_created_at_idx").on(t.createdAt),
    index("audit_log_action_idx").on(t.action, t.seq),
    index("audit_log_target_idx").on(t.targetType, t.targetId, t.seq),
    index("audit_log_token_id_idx").on(t.tokenId, t.seq),
  ],
);

export type AuditLogRow = typeof auditLog.$inferSelect;
