import { certificateRequests } from "@certq/db";
import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { afterCursor, decodeCursor, pageQuerySchema, toPage } from "../pagination";

export const listRequestsQuerySchema = z.strictObject({
  status: z.enum(["pending", "issued", "failed"]).optional(),
  profileId: z.uuid().optional(),
  createdAfter: z.iso.datetime({ offset: true }).optional(),
  ...pageQuerySchema,
});
export type ListRequestsQuery = z.infer<typeof listRequestsQuerySchema>;

export const requestSummarySchema = z.object({
  id: z.uuid(),
  status: z.enum(["pending", "issued", "failed"]),
  profileId: z.uuid(),
  caId: z.uuid(),
  certificateId: z.uuid().nullable(),
  errorMessage: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const requestListSchema = z.object({
  certificateRequests: z.array(requestSummarySchema),
  nextCursor: z.string().nullable(),
});
export type RequestList = z.infer<typeof requestListSchema>;

export async function listCertificateRequests(args: {
  ctx: ServiceContext;
  principal: Principal;
  query: ListRequestsQuery;
}): Promise<RequestList> {
  requireScope(args.principal, "certificates:read");
  const q = args.query;
  const filters: SQL[] = [];
  if (q.status) filters.push(eq(certificateRequests.status, q.status));
  if (q.profileId) filters.push(eq(certificateRequests.profileId, q.profileId));
  if (q.createdAfter) filters.push(gt(certificateRequests.createdAt, new Date(q.createdAfter)));
  if (q.cursor) {
    filters.push(
      afterCursor(certificateRequests.createdAt, certificateRequests.id, decodeCursor(q.cursor)),
    );
  }
  const rows = await args.ctx.db
    .select()
    .from(certificateRequests)
    .where(and(...filters))
    .orderBy(asc(certificateRequests.createdAt), asc(certificateRequests.id))
    .limit(q.limit + 1);
  const { page, nextCursor } = toPage(rows, q.limit);
  return {
    certificateRequests: page.map((r) => ({
      id: r.id,
      status: r.status,
      profileId: r.profileId,
      caId: r.caId,
      certificateId: r.certificateId,
      errorMessage: r.errorMessage,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    })),
    nextCursor,
  };
}
