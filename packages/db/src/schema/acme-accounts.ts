import { index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accessTokens } from "./access-tokens";
import { certificateProfiles } from "./certificate-profiles";
import { timestamps } from "./columns";

export const ACME_ACCOUNT_STATUSES = ["valid", "deactivated", "revoked"] as const;

/** An ACME account (RFC 8555 7.1.2): a public key registered under one profile's directory. */
export const acmeAccounts = pgTable(
  "acme_accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    profileId: uuid("profile_id")
      .notNull()
      .references(() => certificateProfiles.id, { onDelete: "cascade" }),
    status: text("status", { enum: ACME_ACCOUNT_STATUSES }).notNull().default("valid"),
    /** The account's public JWK, as the client sent it (public members only). */
    jwk: jsonb("jwk").$type<Record<string, unknown>>().notNull(),
    /** RFC 7638 SHA-256 thumbprint of `jwk`: one account per key and directory. */
    jwkThumbprint: text("jwk_thumbprint").notNull(),
    contact: jsonb("contact").$type<string[]>().notNull().default([]),
    /** The principal the account acts for: the token that created its EAB key. */
    tokenId: uuid("token_id").references(() => accessTokens.id, { onDelete: "set null" }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("acme_accounts_profile_thumbprint_key").on(t.profileId, t.jwkThumbprint),
    index("acme_accounts_token_id_idx").on(t.tokenId),
  ],
);

export type AcmeAccountRow = typeof acmeAccounts.$inferSelect;
