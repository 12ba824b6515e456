import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accessTokens } from "./access-tokens";
import { certificateAuthorities } from "./certificate-authorities";
import { certificateProfiles } from "./certificate-profiles";
import { timestamps } from "./columns";

export const REQUEST_STATUSES = ["pending", "issued", "failed"] as const;
export const REQUEST_KINDS = ["generate-key", "sign-csr"] as const;

export const certificateRequests = pgTable(
  "certificate_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    profileId: uuid("profile_id")
      .notNull()
      .references(() => certificateProfiles.id, { onDelete: "restrict" }),
    caId: uuid("ca_id")
      .notNull()
      .references(() => certificateAuthorities.id, { onDelete: "restrict" }),
    status: text("status", { enum: REQUEST_STATUSES }).notNull().default("pending"),
    kind: text("kind", { enum: REQUEST_KINDS }).notNull(),
    /** The resolved request (subject, names, algorithms, usages, validity); no secrets. */
    params: jsonb("params").$type<Record<string, unknown>>().notNull(),
    csr: text("csr"),
    errorMessage: text("error_message"),
    /** Set in the same transaction that inserts the certificate. */
    certificateId: uuid("certificate_id"),
    tokenId: uuid("token_id").references(() => accessTokens.id, { onDelete: "set null" }),
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of the canonical request body, to tell a retry from a different request. */
    requestHash: text("request_hash").notNull(),
    /**
     * The certificate this request renews (server-driven, manual or ACME `replaces`).
     * A certificates.id; its foreign key is in migration 0012, since drizzle's reference
     * would import certificates.ts, which already imports this table.
     */
    replacesCertificateId: uuid("replaces_certificate_id"),
    /**
     * The issuance job that carries this request with others submitted at the same moment;
     * null when its job is its own, under the request's ID.
     */
    jobId: uuid("job_id"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("certificate_requests_idempotency_key")
      .on(t.tokenId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    index("certificate_requests_status_created_at_idx").on(t.status, t.createdAt),
    index("certificate_requests_created_at_idx").on(t.createdAt, t.id),
    // A certificate is renewed once: a second renewal while one is pending or issued is a
    // conflict; a failed one leaves the index, so the renewal can be tried again.
    uniqueIndex("certificate_requests_replaces_key")
      .on(t.replacesCertificateId)
      .where(sql`${t.replacesCertificateId} is not null and ${t.status} <> 'failed'`),
  ],
);

export type CertificateRequestRow = typeof certificateRequests.$inferSelect;
export type NewCertificateRequestRow = typeof certificateRequests.$inferInsert;
