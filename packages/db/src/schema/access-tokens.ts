import { integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamptz } from "./columns";

export const accessTokens = pgTable(
  "access_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** SHA-256 hex of the token value; the value itself is shown once and never stored. */
    tokenHash: text("token_hash").notNull(),
    scopes: text("scopes").array().notNull(),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    expiresAt: timestamptz("expires_at"),
    /** Submissions per second; null takes CERTQ_TOKEN_RATE_LIMIT. */
    rateLimitPerSecond: integer("rate_limit_per_second"),
  },
  (t) => [uniqueIndex("access_tokens_token_hash_key").on(t.tokenHash)],
);

export type AccessTokenRow = typeof accessTokens.$inferSelect;
export type NewAccessTokenRow = typeof accessTokens.$inferInsert;
