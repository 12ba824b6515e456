import { certificates, type Database } from "@certq/db";
import { and, asc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { afterCursor, decodeCursor, pageQuerySchema, toPage } from "../pagination";
import {
  type CertificateDetails,
  certificateDetailsSchema,
  toCertificateDetails,
} from "./read-certificates";

export const listCertificatesQuerySchema = z.strictObject({
  caId: z.uuid().optional(),
  profileId: z.uuid().optional(),
  status: z.enum(["active", "revoked"]).optional(),
  /** Exact match, or a prefix with a trailing `*`. */
  commonName: z.string().min(1).max(255).optional(),
  expiresBefore: z.iso.datetime({ offset: true }).optional(),
  ...pageQuerySchema,
});
export type ListCertificatesQuery = z.infer<typeof listCertificatesQuerySchema>;

export const certificateListSchema = z.object({
  certificates: z.array(certificateDetailsSchema),
  nextCursor: z.string().nullable(),
});

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Exact (case-sensitive) or a prefix with a trailing `*` (any case), both written against
 * lower(common_name) so certificates_common_name_lower_idx finds them: without it, a prefix
 * read every row of a million-certificate table.
 */
function commonNameFilter(commonName: string): SQL {
  const lowered = sql`lower(${certificates.commonName})`;
  if (!commonName.endsWith("*")) {
    return sql`${lowered} = lower(${commonName}) and ${certificates.commonName} = ${commonName}`;
  }
  // text_pattern_ops compares bytes, so lower() on both sides stands in for ILIKE.
  return sql`${lowered} like lower(${`${escapeLike(commonName.slice(0, -1))}%`})`;
}

/**
 * Oldest first, always. With a name prefix the order is written as an expression so the
 * planner cannot walk the created_at index: it would, expecting the matches spread evenly,
 * and when they cluster (names numbered in issue order) it read 870,000 rows of a million
 * for one page. Matched through the name index and sorted, a page costs its matches.
 */
function listOrder(q: ListCertificatesQuery): SQL {
  return q.commonName?.endsWith("*")
    ? sql`${certificates.createdAt} + interval '0 seconds'`
    : asc(certificates.createdAt);
}

/**
 * The ids of one page (limit + 1 rows), in list order. Kept apart from the rows so each
 * filter's index answers it alone (an index-only scan: order, id and filter columns are in
 * the index); only the page's rows are then read from the table.
 */
export function pageIdsQuery(db: Database, q: ListCertificatesQuery) {
  const filters: SQL[] = [];
  if (q.caId) filters.push(eq(certificates.caId, q.caId));
  if (q.profileId) filters.push(eq(certificates.profileId, q.profileId));
  if (q.status) filters.push(eq(certificates.status, q.status));
  if (q.commonName) filters.push(commonNameFilter(q.commonName));
  if (q.expiresBefore) filters.push(lt(certificates.notAfter, new Date(q.expiresBefore)));
  if (q.cursor)
    filters.push(afterCursor(certificates.createdAt, certificates.id, decodeCursor(q.cursor)));
  return db
    .select({ id: certificates.id })
    .from(certificates)
    .where(and(...filters))
    .orderBy(listOrder(q), asc(certificates.id))
    .limit(q.limit + 1);
}

export async function listCertificates(args: {
  ctx: Pick<ServiceContext, "db">;
  principal: Principal;
  query: ListCertificatesQuery;
}): Promise<{ certificates: CertificateDetails[]; nextCursor: string | null }> {
  requireScope(args.principal, "certificates:read");
  const q = args.query;
  const rows = await args.ctx.db
    .select()
    .from(certificates)
    .where(inArray(certificates.id, pageIdsQuery(args.ctx.db, q)))
    .orderBy(asc(certificates.createdAt), asc(certificates.id));
  const { page, nextCursor } = toPage(rows, q.limit);
  return { certificates: page.map(toCertificateDetails), nextCursor };
}
