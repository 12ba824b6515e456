import type { Sql } from "postgres";
import type { Database } from "./client";

/**
 * The postgres.js client under a drizzle database, for the two bulk hot writes drizzle cannot
 * express as one prepared statement: submit's INSERT from a JSON recordset (one statement
 * text for any batch size) and the worker's claim + insert + audit CTE. Its tagged templates
 * are prepared statements, parsed once per connection; the issuance tests run both, so a
 * renamed column fails there. The hot reads (token, profile, poll, the worker's load) are
 * drizzle `.prepare()`d queries over schema columns instead; the audit verifier walks the
 * chain with it too.
 */
export function rawSql(db: Database): Sql {
  return db.$client;
}

/**
 * drizzle has postgres.js hand timestamps over as text (it parses them itself), so raw
 * queries read them here, the way drizzle's timestamptz columns do.
 */
export function readTimestamp(value: string | Date): Date;
export function readTimestamp(value: string | Date | null): Date | null;
export function readTimestamp(value: string | Date | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}
