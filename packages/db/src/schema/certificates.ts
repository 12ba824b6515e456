import { sql } from "drizzle-orm";
import { boolean, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { certificateAuthorities } from "./certificate-authorities";
import { certificateProfiles } from "./certificate-profiles";
import { certificateRequests } from "./certificate-requests";
import { bytea, sealedKekHeader, timestamps, timestamptz } from "./columns";

export const CERTIFICATE_STATUSES = ["active", "revoked"] as const;

export const certificates = pgTable(
  "certificates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** UNIQUE: one certificate per request, however often its job runs. */
    requestId: uuid("request_id").references(() => certificateRequests.id, {
      onDelete: "restrict",
    }),
    caId: uuid("ca_id")
      .notNull()
      .references(() => certificateAuthorities.id, { onDelete: "restrict" }),
    profileId: uuid("profile_id").references(() => certificateProfiles.id, {
      onDelete: "set null",
    }),
    serialNumber: text("serial_number").notNull(),
    /** Display name of the OpenAI-style certificate object. */
    name: text("name").notNull(),
    commonName: text("common_name").notNull().default(""),
    altNames: jsonb("alt_names").$type<{ type: string; value: string }[]>().notNull().default([]),
    keyAlgorithm: text("key_algorithm").notNull(),
    status: text("status", { enum: CERTIFICATE_STATUSES }).notNull().default("active"),
    notBefore: timestamptz("not_before").notNull(),
    notAfter: timestamptz("not_after").notNull(),
    certificate: text("certificate").notNull(),
    /** PEM of the issuing CA first, root last; never the leaf. */
    certificateChain: text("certificate_chain").notNull(),
    /** Null when the client kept its key (CSR signing). */
    encryptedPrivateKey: bytea("encrypted_private_key"),
    /** OpenAI organization-certificate activation; unrelated to revocation. */
    active: boolean("active").notNull().default(true),
    revokedAt: timestamptz("revoked_at"),
    revocationReason: text("revocation_reason"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("certificates_request_id_key").on(t.requestId),
    uniqueIndex("certificates_serial_number_key").on(t.serialNumber),
    index("certificates_created_at_idx").on(t.createdAt, t.id),
    // A CA's certificates of one status in list order (a page of 100,000 revoked reads 100
    // rows, not all of them); also a CA's CRL entries and any lookup by CA alone.
    index("certificates_ca_id_status_created_at_idx").on(t.caId, t.status, t.createdAt, t.id),
    // The list's commonName filter: exact or prefix, any case (lower(...) LIKE 'prefix%').
    // The list's order and the name itself ride along, so a page's ids come from the index
    // alone: a prefix matching 11,000 of a million rows read 11,000 heap rows to sort them.
    index("certificates_common_name_lower_idx").using(
      "btree",
      sql`lower(${t.commonName}) text_pattern_ops`,
      t.createdAt,
      t.id,
      t.commonName,
    ),
    // Expiry: the list's expiresBefore (its page's ids from the index alone, as above) and
    // the renewal scan (active certificates by expiry).
    index("certificates_not_after_idx").on(t.notAfter, t.createdAt, t.id),
    // A CA's CRL in one index-only scan, already in order: 100,000 revoked certificates
    // scattered over a table of millions were 100,000 heap reads and a sort on disk.
    index("certificates_revoked_idx")
      .on(t.caId, t.revokedAt, t.serialNumber, t.revocationReason)
      .where(sql`${t.status} = 'revoked'`),
    // Start-up asks which KEKs the stored keys need: a few index probes, not a table scan.
    index("certificates_kek_header_idx").on(sealedKekHeader(t.encryptedPrivateKey)),
  ],
);

export type CertificateRow = typeof certificates.$inferSelect;
export type NewCertificateRow = typeof certificates.$inferInsert;
