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
    index("certificates_ca_id_idx").on(t.caId),
    index("certificates_created_at_idx").on(t.createdAt, t.id),
    index("certificates_ca_id_status_idx").on(t.caId, t.status),
    // The renewal scan: active certificates by expiry.
    index("certificates_active_not_after_idx").on(t.notAfter).where(sql`${t.status} = 'active'`),
    // Start-up asks which KEKs the stored keys need: a few index probes, not a table scan.
    index("certificates_kek_header_idx").on(sealedKekHeader(t.encryptedPrivateKey)),
  ],
);

export type CertificateRow = typeof certificates.$inferSelect;
export type NewCertificateRow = typeof certificates.$inferInsert;
