import { certificates } from "@certq/db";
import { and, asc, eq, ilike, lt, type SQL } from "drizzle-orm";
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

export async function listCertificates(args: {
  ctx: ServiceContext;
  principal: Principal;
  query: ListCertificatesQuery;
}): Promise<{ certificates: CertificateDetails[]; nextCursor: string | null }> {
  requireScope(args.principal, "certificates:read");
  const q = args.query;
  const filters: SQL[] = [];
  if (q.caId) filters.push(eq(certificates.caId, q.caId));
  if (q.profileId) filters.push(eq(certificates.profileId, q.profileId));
  if (q.status) filters.push(eq(certificates.status, q.status));
  if (q.commonName) {
    filters.push(
      q.commonName.endsWith("*")
        ? ilike(certificates.commonName, `${escapeLike(q.commonName.slice(0, -1))}%`)
        : eq(certificates.commonName, q.commonName),
    );
  }
  if (q.expiresBefore) filters.push(lt(certificates.notAfter, new Date(q.expiresBefore)));
  if (q.cursor)
    filters.push(afterCursor(certificates.createdAt, certificates.id, decodeCursor(q.cursor)));
  const rows = await args.ctx.db
    .select()
    .from(certificates)
    .where(and(...filters))
    .orderBy(asc(certificates.createdAt), asc(certificates.id))
    .limit(q.limit + 1);
  const { page, nextCursor } = toPage(rows, q.limit);
  return { certificates: page.map(toCertificateDetails), nextCursor };
}
