import type { TestDatabase } from "@certq/db/testing";

/** Rows per INSERT, so progress shows and no one statement holds a million rows' WAL. */
const CHUNK = 100_000;

/**
 * Fills the bench database to `rows` issued requests and their certificates under one CA and
 * profile, every tenth revoked, written by SQL (not through the API: a CA's history, in
 * minutes rather than hours). Each row copies a real certificate's PEM, chain and params;
 * serials are distinct (a 0x7e prefix no random serial of ours is likely to share) and dates
 * are spread over the past year, every certificate still valid.
 */
export async function fillDatabase(args: {
  db: TestDatabase;
  caId: string;
  profileId: string;
  rows: number;
  progress: (message: string) => void;
}): Promise<{ revoked: number; seconds: number }> {
  const { sql } = args.db;
  const started = Date.now();
  const [template] = await sql<{ params: unknown; certificate: string; chain: string }[]>`
    select r.params, c.certificate, c.certificate_chain as chain
    from certificates c join certificate_requests r on r.id = c.request_id
    where c.ca_id = ${args.caId} limit 1`;
  if (!template) throw new Error("fill: the CA has no certificate to copy yet");
  for (let from = 1; from <= args.rows; from += CHUNK) {
    const to = Math.min(args.rows, from + CHUNK - 1);
    await sql.begin(async (tx) => {
      await tx`
        create temporary table fill on commit drop as
        select g, gen_random_uuid() as request_id, gen_random_uuid() as certificate_id,
               now() - g * interval '30 seconds' as created_at
        from generate_series(${from}::int, ${to}::int) g`;
      await tx`
        insert into certificate_requests
          (id, profile_id, ca_id, status, kind, params, request_hash, certificate_id,
           created_at, updated_at)
        select request_id, ${args.profileId}, ${args.caId}, 'issued', 'generate-key',
               ${JSON.stringify(template.params)}::jsonb, md5(g::text), certificate_id,
               created_at, created_at
        from fill`;
      await tx`
        insert into certificates
          (id, request_id, ca_id, profile_id, serial_number, name, common_name, alt_names,
           key_algorithm, status, not_before, not_after, certificate, certificate_chain,
           revoked_at, revocation_reason, created_at, updated_at)
        select certificate_id, request_id, ${args.caId}, ${args.profileId},
               '7e' || lpad(to_hex(g), 30, '0'), 'growth-' || g, 'growth-' || g || '.example.test',
               jsonb_build_array(jsonb_build_object('type', 'dns_name',
                 'value', 'growth-' || g || '.example.test')),
               'EC_prime256v1', case when g % 10 = 0 then 'revoked' else 'active' end,
               created_at, created_at + interval '400 days', ${template.certificate},
               ${template.chain},
               case when g % 10 = 0 then created_at + interval '1 day' end,
               case when g % 10 = 0 then 'KEY_COMPROMISE' end,
               created_at, created_at
        from fill`;
    });
    args.progress(`filled ${to.toLocaleString("en-US")} of ${args.rows.toLocaleString("en-US")}`);
  }
  await sql`vacuum (analyze) certificates`;
  await sql`vacuum (analyze) certificate_requests`;
  return { revoked: Math.floor(args.rows / 10), seconds: (Date.now() - started) / 1000 };
}
