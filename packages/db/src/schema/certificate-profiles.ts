import { index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { certificateAuthorities } from "./certificate-authorities";
import { bytea, timestamps } from "./columns";

export const certificateProfiles = pgTable(
  "certificate_profiles",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    description: text("description").notNull().default(""),
    caId: uuid("ca_id")
      .notNull()
      .references(() => certificateAuthorities.id, { onDelete: "restrict" }),
    /** Parsed by @certq/core's profile schemas; stored as given. */
    defaults: jsonb("defaults").$type<Record<string, unknown>>().notNull().default({}),
    policy: jsonb("policy").$type<Record<string, unknown>>().notNull().default({}),
    /** Where issued/failed events are POSTed; null for none. */
    webhookUrl: text("webhook_url"),
    /** The HMAC-SHA256 secret of those events, sealed like private keys. */
    webhookSecret: bytea("webhook_secret"),
    /** How clients may enroll besides the API (`{acme: {...}}`), parsed by @certq/core. */
    enrollment: jsonb("enrollment").$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("certificate_profiles_slug_key").on(t.slug),
    index("certificate_profiles_ca_id_idx").on(t.caId),
  ],
);

export type CertificateProfileRow = typeof certificateProfiles.$inferSelect;
export type NewCertificateProfileRow = typeof certificateProfiles.$inferInsert;
