import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { customType, timestamp } from "drizzle-orm/pg-core";

export const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});

/**
 * Millisecond precision, as JavaScript's Date holds: a value read and written back (a
 * pagination cursor, say) then compares equal to what Postgres stored.
 */
export const timestamptz = (name: string) =>
  timestamp(name, { withTimezone: true, mode: "date", precision: 3 });

export const timestamps = {
  createdAt: timestamptz("created_at").notNull().defaultNow(),
  updatedAt: timestamptz("updated_at")
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};

/**
 * What an envelope's header says about its key-encryption key (see @certq/pki key-envelope):
 * 0x02 and the KEK ID for version 2, the version byte alone otherwise (0x01 names no KEK).
 * Few distinct values, so an index on it answers "which KEKs do the stored keys need" fast.
 */
export function sealedKekHeader(column: SQLWrapper): SQL {
  return sql`(case when substring(${column} from 1 for 1) = '\\x02'::bytea then substring(${column} from 1 for 9) else substring(${column} from 1 for 1) end)`;
}
