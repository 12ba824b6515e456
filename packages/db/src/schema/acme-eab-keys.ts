import { pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accessTokens } from "./access-tokens";
import { acmeAccounts } from "./acme-accounts";
import { certificateProfiles } from "./certificate-profiles";
import { bytea, timestamps, timestamptz } from "./columns";

/**
 * External account binding keys (RFC 8555 7.3.4): an operator creates one per client; it
 * binds one new account to the creating token's principal, once.
 */
export const acmeEabKeys = pgTable(
  "acme_eab_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    profileId: uuid("profile_id")
      .notNull()
      .references(() => certificateProfiles.id, { onDelete: "cascade" }),
    name: text("name").notNull().default(""),
    /** The HS256 MAC key, sealed under the KEK like private keys. */
    sealedHmacKey: bytea("sealed_hmac_key").notNull(),
    tokenId: uuid("token_id").references(() => accessTokens.id, { onDelete: "set null" }),
    /** Set when an account was bound with it: a key binds one account. */
    accountId: uuid("account_id").references(() => acmeAccounts.id, { onDelete: "set null" }),
    usedAt: timestamptz("used_at"),
    ...timestamps,
  },
  (t) => [uniqueIndex("acme_eab_keys_account_id_key").on(t.accountId)],
);

export type AcmeEabKeyRow = typeof acmeEabKeys.$inferSelect;
