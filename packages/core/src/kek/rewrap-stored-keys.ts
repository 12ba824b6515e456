import type { Database } from "@certq/db";
import { type KeyRing, rewrapPrivateKey } from "@certq/pki";
import { sql } from "drizzle-orm";
import { currentHeader, SEALED_COLUMNS, type SealedColumn } from "./sealed-columns";

export interface RewrapTableCount {
  table: string;
  /** Envelopes this run re-wrapped under the current KEK. */
  rewrapped: number;
  /** Envelopes already under the current KEK that this run left alone. */
  alreadyCurrent: number;
  /** Envelopes still under another KEK after the run: the ones it could not open, or written meanwhile by a process on the old ring. */
  remaining: number;
}

export interface RewrapFailure {
  table: string;
  id: string;
  reason: string;
}

export interface RewrapReport {
  kekId: string;
  tables: RewrapTableCount[];
  rewrapped: number;
  alreadyCurrent: number;
  remaining: number;
  total: number;
  /** Envelopes that did not open: bad data, or a KEK missing from the ring. Never key bytes. */
  failures: RewrapFailure[];
}

export interface RewrapProgress {
  table: string;
  /** Re-wrapped in this table so far, by this run. */
  rewrapped: number;
}

/** More passes than this and processes are still sealing under an old KEK: report, stop. */
const MAX_PASSES = 3;

/**
 * Re-wraps every stored envelope not yet under the ring's current KEK, table by table in ID
 * order, `batchSize` rows per transaction. Online: each row is written only if it still holds
 * the envelope read (compare-and-swap), so a concurrent writer's newer value is never
 * overwritten. Resumable by construction: rows already under the current KEK are skipped, so a
 * killed run is finished by running it again. Only the DEK wrap changes (see rewrapPrivateKey).
 */
export async function rewrapStoredKeys(args: {
  ctx: { db: Database; kek: KeyRing };
  batchSize?: number;
  /** Called after each committed batch; awaited, so a caller may pace the run. */
  onBatch?: (progress: RewrapProgress) => void | Promise<void>;
}): Promise<RewrapReport> {
  const { db, kek } = args.ctx;
  const batchSize = args.batchSize ?? 200;
  const current = currentHeader(kek.current.id);
  const tables: RewrapTableCount[] = [];
  const failures: RewrapFailure[] = [];
  for (const sealed of SEALED_COLUMNS) {
    const failed = new Set<string>();
    let rewrapped = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let inPass = 0;
      let after: string | null = null;
      for (;;) {
        const batch = await readBatch(db, sealed, current, after, batchSize);
        if (batch.length === 0) break;
        after = batch[batch.length - 1]?.id ?? null;
        const updates = [];
        for (const row of batch) {
          if (failed.has(row.id)) continue;
          try {
            const next = rewrapPrivateKey({ kek, sealed: row.sealed, aad: sealed.aad(row.id) });
            updates.push({ id: row.id, old: row.sealed, next });
          } catch (error) {
            failed.add(row.id);
            failures.push({ table: sealed.table, id: row.id, reason: (error as Error).message });
          }
        }
        const written = await writeBatch(db, sealed, updates);
        inPass += written;
        rewrapped += written;
        if (written > 0) await args.onBatch?.({ table: sealed.table, rewrapped });
      }
      // A pass that changed nothing leaves nothing a further pass could change.
      if (inPass === 0) break;
    }
    const counts = await countByKek(db, sealed, current);
    tables.push({
      table: sealed.table,
      rewrapped,
      alreadyCurrent: Math.max(0, counts.current - rewrapped),
      remaining: counts.other,
    });
  }
  const sum = (key: "rewrapped" | "alreadyCurrent" | "remaining") =>
    tables.reduce((n, t) => n + t[key], 0);
  return {
    kekId: kek.current.id,
    tables,
    rewrapped: sum("rewrapped"),
    alreadyCurrent: sum("alreadyCurrent"),
    remaining: sum("remaining"),
    total: sum("rewrapped") + sum("alreadyCurrent") + sum("remaining"),
    failures,
  };
}

async function readBatch(
  db: Database,
  sealed: SealedColumn,
  current: Buffer,
  after: string | null,
  limit: number,
): Promise<{ id: string; sealed: Buffer }[]> {
  const { table, column, header, id } = sealed.sql;
  const rows = await db.execute<{ id: string; sealed: Buffer }>(sql`
    select ${id} as id, ${table}.${column} as sealed from ${table}
    where ${header} <> ${current} ${after === null ? sql`` : sql`and ${id} > ${after}`}
    order by ${id} limit ${limit}`);
  return rows.map((row) => ({ id: row.id, sealed: Buffer.from(row.sealed) }));
}

/** One transaction; each row only if it still holds what was read. Returns rows written. */
async function writeBatch(
  db: Database,
  sealed: SealedColumn,
  updates: { id: string; old: Buffer; next: Buffer }[],
): Promise<number> {
  if (updates.length === 0) return 0;
  const { table, column, id } = sealed.sql;
  const values = sql.join(
    updates.map((u) => sql`(${u.id}::uuid, ${u.old}::bytea, ${u.next}::bytea)`),
    sql`, `,
  );
  const rows = await db.execute<{ id: string }>(sql`
    update ${table} set ${column} = v.next
    from (values ${values}) as v(id, old, next)
    where ${id} = v.id and ${table}.${column} = v.old
    returning ${id} as id`);
  return rows.length;
}

async function countByKek(db: Database, sealed: SealedColumn, current: Buffer) {
  const { table, header } = sealed.sql;
  const [row] = await db.execute<{ current: string; other: string }>(sql`
    select count(*) filter (where ${header} = ${current}) as current,
           count(*) filter (where ${header} <> ${current}) as other
    from ${table} where ${header} is not null`);
  return { current: Number(row?.current ?? 0), other: Number(row?.other ?? 0) };
}
