import { getTableColumns, type Table } from "drizzle-orm";
import type { Sql } from "postgres";
import type { Database } from "./client";

/**
 * The postgres.js client under a drizzle database, for the two bulk hot writes drizzle cannot
 * express as one prepared statement: submit's INSERT from a JSON recordset (one statement
 * text for any batch size) and the worker's claim + insert + audit CTE. Its tagged templates
 * are prepared statements, parsed once per connection; both name their columns through
 * columnNames (below), so a renamed schema property fails tsc there too. The hot reads (token, profile, poll, the worker's load) are
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

/**
 * A table's column names by schema property, for raw statements: `${sql(c.profileId)}`
 * writes the quoted column name, so a renamed property fails tsc and a renamed column is
 * followed, while the statement text stays the same on every call (still prepared once).
 */
export function columnNames<T extends Table>(table: T): { [K in keyof T["_"]["columns"]]: string } {
  return Object.fromEntries(
    Object.entries(getTableColumns(table)).map(([key, column]) => [key, column.name]),
  ) as { [K in keyof T["_"]["columns"]]: string };
}
