import { certificates, type Executor, uploadedCertificates } from "@certq/db";
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import {
  fromOrganizationCertificateId,
  organizationCertificateItemSchema,
  toOrganizationCertificateItem,
} from "./organization-certificate";

export const listOrganizationCertificatesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The ID of the last object of the previous page. */
  after: z.string().min(1).max(64).optional(),
  order: z.enum(["asc", "desc"]).default("desc"),
});
export type ListOrganizationCertificatesQuery = z.infer<
  typeof listOrganizationCertificatesQuerySchema
>;

export const organizationCertificateListSchema = z.object({
  object: z.literal("list"),
  data: z.array(organizationCertificateItemSchema),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});
export type OrganizationCertificateList = z.infer<typeof organizationCertificateListSchema>;

interface ListRow extends Record<string, unknown> {
  id: string;
  name: string;
  created_at: string | Date;
  not_before: string | Date;
  not_after: string | Date;
  active: boolean;
}

/**
 * The cursor row's (created_at, id). created_at stays text: Postgres keeps microseconds and a
 * JavaScript Date only milliseconds, and a rounded cursor would skip or repeat rows.
 */
async function resolveCursor(db: Executor, after: string) {
  const uuid = fromOrganizationCertificateId(after);
  const rows = uuid
    ? await db.execute<{ created_at: string; id: string }>(sql`
        select created_at::text as created_at, id from ${certificates} where id = ${uuid}
        union all
        select created_at::text as created_at, id from ${uploadedCertificates} where id = ${uuid}
        limit 1`)
    : [];
  const row = rows[0];
  if (!row) {
    throw new BadRequestError(
      `after: no certificate with ID '${after}'; pass the last_id of the previous page`,
      "after",
    );
  }
  return row;
}

/**
 * Issued and uploaded certificates in one keyset walk over (created_at, id). Each branch of the
 * UNION ALL reads its own (created_at, id) index up to the page size, so a page costs the
 * same however deep the walk is, and every row present when the walk began is seen once.
 */
export async function listOrganizationCertificates(args: {
  ctx: ServiceContext;
  principal: Principal;
  query: ListOrganizationCertificatesQuery;
}): Promise<OrganizationCertificateList> {
  requireScope(args.principal, "certificates:read");
  const { limit, after, order } = args.query;
  const db = args.ctx.db;
  const cursor = after ? await resolveCursor(db, after) : null;
  const direction = order === "asc" ? sql.raw("asc") : sql.raw("desc");
  const where: SQL = cursor
    ? order === "asc"
      ? sql`where (created_at, id) > (${cursor.created_at}::timestamptz, ${cursor.id}::uuid)`
      : sql`where (created_at, id) < (${cursor.created_at}::timestamptz, ${cursor.id}::uuid)`
    : sql``;
  const take = limit + 1;
  const rows = await db.execute<ListRow>(sql`
    select * from (
      (select id, name, created_at, not_before, not_after, active from ${certificates}
        ${where} order by created_at ${direction}, id ${direction} limit ${take})
      union all
      (select id, name, created_at, not_before, not_after, active from ${uploadedCertificates}
        ${where} order by created_at ${direction}, id ${direction} limit ${take})
    ) as organization_certificates
    order by created_at ${direction}, id ${direction}
    limit ${take}`);
  const data = [...rows].slice(0, limit).map((row) =>
    toOrganizationCertificateItem({
      id: row.id,
      name: row.name,
      active: row.active,
      createdAt: new Date(row.created_at),
      notBefore: new Date(row.not_before),
      notAfter: new Date(row.not_after),
    }),
  );
  return {
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: rows.length > limit,
  };
}
