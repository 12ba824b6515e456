import type { Sql } from "postgres";
import type { Database } from "./client";

/**
 * The postgres.js client under a drizzle database, for the bulk hot statements drizzle cannot
 * express as one prepared statement (submit's INSERT from a JSON recordset, the worker's load
 * and store). Its tagged templates are prepared statements, parsed once per connection. The
 * hot lookups (token, profile, poll) are drizzle `.prepare()`d queries instead.
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
