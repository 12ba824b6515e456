import { boolean, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamps, timestamptz } from "./columns";

/** Certificates certq did not issue, uploaded through the OpenAI organization API. */
export const uploadedCertificates = pgTable(
  "uploaded_certificates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    certificate: text("certificate").notNull(),
    /** SHA-256 of the DER, lowercase hex: the same certificate is uploaded once. */
    fingerprintSha256: text("fingerprint_sha256").notNull(),
    serialNumber: text("serial_number").notNull(),
    subject: text("subject").notNull(),
    issuer: text("issuer").notNull(),
    notBefore: timestamptz("not_before").notNull(),
    notAfter: timestamptz("not_after").notNull(),
    active: boolean("active").notNull().default(false),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("uploaded_certificates_fingerprint_key").on(t.fingerprintSha256),
    index("uploaded_certificates_created_at_idx").on(t.createdAt, t.id),
  ],
);

export type UploadedCertificateRow = typeof uploadedCertificates.$inferSelect;
export type NewUploadedCertificateRow = typeof uploadedCertificates.$inferInsert;
