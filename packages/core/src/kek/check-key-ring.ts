import type { Executor } from "@certq/db";
import { type KeyRing, openPrivateKey } from "@certq/pki";
import { sql } from "drizzle-orm";
import { SEALED_COLUMNS, type SealedColumn } from "./sealed-columns";

/** The ring cannot open some stored keys; the message is one line naming the KEK IDs missing. */
export class KeyRingMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyRingMismatchError";
  }
}

/** The distinct envelope headers stored in one column: a skip scan, a few index probes. */
async function storedHeaders(db: Executor, sealed: SealedColumn): Promise<Buffer[]> {
  const { table, header } = sealed.sql;
  const rows = await db.execute<{ header: Buffer }>(sql`
    with recursive found(header) as (
      (select ${header} from ${table} where ${header} is not null order by 1 limit 1)
      union all
      select (select ${header} from ${table} where ${header} > found.header order by 1 limit 1)
      from found where found.header is not null
    )
    select header from found where header is not null`);
  return rows.map((row) => Buffer.from(row.header));
}

/** Version 0x01 envelopes name no KEK: they were sealed under the one KEK of their day, so one tells. */
async function versionOneOpens(db: Executor, sealed: SealedColumn, ring: KeyRing) {
  const { table, column, header, id } = sealed.sql;
  const [row] = await db.execute<{ id: string; sealed: Buffer }>(
    sql`select ${id} as id, ${column} as sealed from ${table} where ${header} = '\\x01'::bytea limit 1`,
  );
  if (!row) return true;
  try {
    openPrivateKey({ kek: ring, sealed: Buffer.from(row.sealed), aad: sealed.aad(row.id) }).fill(0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses a key ring that cannot open what is stored: names each KEK ID that envelopes are
 * sealed under and the ring lacks, so a wrong or missing CERTQ_KEK stops a process at start
 * instead of failing requests one by one later.
 */
export async function checkKeyRing(ctx: { db: Executor; kek: KeyRing }): Promise<void> {
  const missing = new Set<string>();
  const problems: string[] = [];
  for (const sealed of SEALED_COLUMNS) {
    for (const header of await storedHeaders(ctx.db, sealed)) {
      const version = header[0];
      if (version === 0x02) {
        const id = header.subarray(1).toString("hex");
        if (!ctx.kek.byId.has(id)) missing.add(id);
      } else if (version === 0x01) {
        if (!(await versionOneOpens(ctx.db, sealed, ctx.kek))) {
          problems.push(
            `keys in ${sealed.table} sealed before KEK ids existed open under none of these keys`,
          );
        }
      } else {
        problems.push(
          `${sealed.table}.${sealed.column} holds envelopes of unknown version ${version}`,
        );
      }
    }
  }
  if (missing.size === 0 && problems.length === 0) return;
  const ids = [...missing].sort();
  const parts = ids.length > 0 ? [`stored keys are sealed under KEK ids ${ids.join(", ")}`] : [];
  throw new KeyRingMismatchError(
    `certq: ${[...parts, ...problems].join("; ")}; set CERTQ_KEK / CERTQ_KEK_PREVIOUS to include them` +
      ` (configured: ${[...ctx.kek.byId.keys()].join(", ")})`,
  );
}
