import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, auditLog } from "@certq/db";
import { and, asc, desc, eq, gt, gte, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import { pageQuerySchema } from "../pagination";
import { type AuditLogView, auditLogViewSchema, toAuditLogView } from "./audit-view";

export const listAuditLogsQuerySchema = z.strictObject({
  action: z.enum(AUDIT_ACTIONS).optional(),
  targetType: z.enum(AUDIT_TARGET_TYPES).optional(),
  targetId: z.string().min(1).max(200).optional(),
  /** The token that acted. */
  tokenId: z.uuid().optional(),
  /** Rows created at or after this time. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Rows created before this time. */
  to: z.iso.datetime({ offset: true }).optional(),
  /** desc: newest first (default); asc: oldest first. */
  order: z.enum(["desc", "asc"]).default("desc"),
  ...pageQuerySchema,
});
export type ListAuditLogsQuery = z.infer<typeof listAuditLogsQuerySchema>;

export const auditLogListSchema = z.object({
  auditLogs: z.array(auditLogViewSchema),
  nextCursor: z.string().nullable(),
});

// Keyset on seq, which is unique and in commit order: a walk visits each row once, whatever
// is appended meanwhile. The cursor also carries the order it was made for.
const cursorSchema = z.object({ s: z.number().int().min(0), o: z.enum(["desc", "asc"]) });

function encodeCursor(seq: number, order: "desc" | "asc"): string {
  return Buffer.from(JSON.stringify({ s: seq, o: order })).toString("base64url");
}

function decodeCursor(cursor: string, order: "desc" | "asc"): number {
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new BadRequestError("cursor is not one this API returned", "cursor");
  }
  if (parsed.o !== order) {
    throw new BadRequestError(`cursor was made for order=${parsed.o}`, "cursor");
  }
  return parsed.s;
}

export async function listAuditLogs(args: {
  ctx: ServiceContext;
  principal: Principal;
  query: ListAuditLogsQuery;
}): Promise<{ auditLogs: AuditLogView[]; nextCursor: string | null }> {
  requireScope(args.principal, "audit:read");
  const q = args.query;
  const filters: SQL[] = [];
  if (q.action) filters.push(eq(auditLog.action, q.action));
  if (q.targetType) filters.push(eq(auditLog.targetType, q.targetType));
  if (q.targetId) filters.push(eq(auditLog.targetId, q.targetId));
  if (q.tokenId) filters.push(eq(auditLog.tokenId, q.tokenId));
  if (q.from) filters.push(gte(auditLog.createdAt, new Date(q.from)));
  if (q.to) filters.push(lt(auditLog.createdAt, new Date(q.to)));
  if (q.cursor) {
    const seq = decodeCursor(q.cursor, q.order);
    filters.push(q.order === "desc" ? lt(auditLog.seq, seq) : gt(auditLog.seq, seq));
  }
  const rows = await args.ctx.db
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(q.order === "desc" ? desc(auditLog.seq) : asc(auditLog.seq))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    auditLogs: page.map(toAuditLogView),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last.seq, q.order) : null,
  };
}
