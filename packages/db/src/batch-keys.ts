import { type Placeholder, type SQL, sql } from "drizzle-orm";

/**
 * `(select jsonb_array_elements_text($1::jsonb))`, for `inArray(column, batchKeys(...))`: a
 * batch's keys travel as one JSON array parameter, so a prepared statement's text is the same
 * whatever the batch size. `uuid` casts each key for uuid columns.
 */
export function batchKeys(keysJson: Placeholder, cast?: "uuid"): SQL {
  return cast === "uuid"
    ? sql`(select jsonb_array_elements_text(${keysJson}::jsonb)::uuid)`
    : sql`(select jsonb_array_elements_text(${keysJson}::jsonb))`;
}
