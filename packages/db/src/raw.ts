import type { Sql } from "postgres";
import type { Database } from "./client";

/**
 * The postgres.js client under a drizzle database, for the hot queries (token and profile
 * lookups, submit, poll, the worker's load and store) where drizzle's per-call query building
 * costs more than the query. Its tagged templates are prepared statements, parsed once per
 * connection, where drizzle's unnamed statements take a second round trip to describe.
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
