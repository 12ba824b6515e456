import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { BadRequestError } from "./errors";

/** Keyset position: (created_at, id) of the last row of the previous page. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

const cursorSchema = z.object({ t: z.iso.datetime({ offset: true }), i: z.uuid() });

export function encodeCursor(row: Cursor): string {
  return Buffer.from(JSON.stringify({ t: row.createdAt.toISOString(), i: row.id })).toString(
    "base64url",
  );
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const parsed = cursorSchema.parse(
      JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")),
    );
    return { createdAt: new Date(parsed.t), id: parsed.i };
  } catch {
    throw new BadRequestError("cursor is not one this API returned", "cursor");
  }
}

/**
 * Rows after the cursor in (created_at, id) order. Keyset pagination visits every row that
 * existed when the walk began exactly once, however many rows are inserted meanwhile.
 */
export function afterCursor(createdAt: AnyColumn, id: AnyColumn, cursor: Cursor): SQL {
  return sql`(${createdAt}, ${id}) > (${cursor.createdAt.toISOString()}::timestamptz, ${cursor.id}::uuid)`;
}

export const pageQuerySchema = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
};

/** Takes limit+1 rows; the extra one only says whether another page exists. */
export function toPage<T extends Cursor>(rows: T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
