import type { AccessTokenRow } from "@certq/db";
import { z } from "zod";
import { scopeSchema } from "../auth/scopes";

export const tokenViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(scopeSchema),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  rateLimitPerSecond: z.number().int().nullable(),
});
export type TokenView = z.infer<typeof tokenViewSchema>;

export function toTokenView(row: AccessTokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes as TokenView["scopes"],
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    rateLimitPerSecond: row.rateLimitPerSecond,
  };
}
