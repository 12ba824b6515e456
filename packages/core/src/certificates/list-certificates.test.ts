import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../auth/principal";
import {
  type ListCertificatesQuery,
  listCertificates,
  listCertificatesQuerySchema,
  pageIdsQuery,
} from "./list-certificates";

let database: TestDatabase;
let caId: string;
const reader: Principal = { tokenId: "t", tokenName: "reader", scopes: ["certificates:read"] };
const ROWS = 3000;

beforeAll(async () => {
  database = await createTestDatabase();
  caId = randomUUID();
  await database.sql`
    insert into certificate_authorities (id, type, status, common_name, key_algorithm,
      encrypted_private_key)
    values (${caId}, 'root', 'active', 'List Test Root', 'EC_prime256v1', '\\x00'::bytea)`;
  // Names numbered in issue order (they cluster, as a fleet's do); every tenth revoked; the
  // newest hundred expire within a day.
  await database.sql`
    insert into certificates (ca_id, serial_number, name, common_name, key_algorithm, status,
      not_before, not_after, certificate, certificate_chain, created_at)
    select ${caId}, 'list-' || g, 'n', 'host-' || g || '.example.test', 'EC_prime256v1',
      case when g % 10 = 0 then 'revoked' else 'active' end, now(),
      case when g > ${ROWS - 100} then now() + interval '1 hour' else now() + interval '90 days' end,
      'c', '', now() - (${ROWS} - g) * interval '1 second'
    from generate_series(1, ${ROWS}) g`;
  await database.sql`vacuum (analyze) certificates`;
});
afterAll(() => database?.drop());

const query = (q: Record<string, string>) => listCertificatesQuerySchema.parse(q);

async function allPages(q: Record<string, string>) {
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await listCertificates({
      ctx: { db: database.db },
      principal: reader,
      query: query({ ...q, limit: "7", ...(cursor ? { cursor } : {}) }),
    });
    names.push(...page.certificates.map((c) => c.commonName));
    cursor = page.nextCursor;
  } while (cursor);
  return names;
}

describe("listCertificates", () => {
  it("pages through a name prefix in issue order, each match once, in any case", async () => {
    // host-1*: host-1, host-10..19, host-100..199, host-1000..1999, in creation order.
    const expected = [1]
      .concat(Array.from({ length: 10 }, (_, i) => 10 + i))
      .concat(Array.from({ length: 100 }, (_, i) => 100 + i))
      .concat(Array.from({ length: 1000 }, (_, i) => 1000 + i))
      .map((g) => `host-${g}.example.test`);
    expect(await allPages({ commonName: "HOST-1*" })).toEqual(expected);
  });

  it("filters by expiry and by status within its CA, in issue order", async () => {
    expect(
      await allPages({ expiresBefore: new Date(Date.now() + 86_400_000).toISOString() }),
    ).toEqual(Array.from({ length: 100 }, (_, i) => `host-${ROWS - 99 + i}.example.test`));
    const revoked = await allPages({ caId, status: "revoked" });
    expect(revoked).toHaveLength(ROWS / 10);
    expect(revoked.slice(0, 2)).toEqual(["host-10.example.test", "host-20.example.test"]);
  });
});

describe("a page's ids", () => {
  // Which index answers, seen in the plan with the table's own scans ruled out; an index-only
  // scan means the page costs its matches in index entries, not in rows read from the table.
  async function plan(q: ListCertificatesQuery): Promise<string> {
    const { sql: text, params } = pageIdsQuery(database.db, q).toSQL();
    return database.sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      await tx`set local enable_bitmapscan = off`;
      const rows = await tx.unsafe(`explain ${text}`, params as never[]);
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
  }

  it.each([
    ["a name prefix", "certificates_common_name_lower_idx", { commonName: "host-12*" }],
    ["an exact name", "certificates_common_name_lower_idx", { commonName: "host-12.example.test" }],
    ["an expiry", "certificates_not_after_idx", { expiresBefore: new Date().toISOString() }],
    ["a CA's revoked", "certificates_ca_id_status_created_at_idx", { status: "revoked" }],
    ["no filter", "certificates_created_at_idx", {}],
  ])("for %s come from %s alone", async (_, index, filter) => {
    const q = query({ ...filter, ...("status" in filter ? { caId } : {}) });
    expect(await plan(q)).toContain(`Index Only Scan using ${index}`);
  });
});
