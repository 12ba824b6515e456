import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uuid,
} from "drizzle-orm/pg-core";
import { bytea, timestamps, timestamptz } from "./columns";

export const CA_TYPES = ["root", "intermediate"] as const;
export const CA_STATUSES = ["active", "disabled", "pending-certificate"] as const;
/** Where a CA's private key lives: sealed in this table, or in a PKCS#11 token. */
export const CA_KEY_STORAGES = ["database", "hsm"] as const;

export const certificateAuthorities = pgTable(
  "certificate_authorities",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    type: text("type", { enum: CA_TYPES }).notNull(),
    status: text("status", { enum: CA_STATUSES }).notNull(),
    /** Set when one of our own CAs signed this one (sign-intermediate). */
    parentCaId: uuid("parent_ca_id").references((): AnyPgColumn => certificateAuthorities.id),
    commonName: text("common_name").notNull(),
    organization: text("organization").notNull().default(""),
    ou: text("ou").notNull().default(""),
    country: text("country").notNull().default(""),
    province: text("province").notNull().default(""),
    locality: text("locality").notNull().default(""),
    keyAlgorithm: text("key_algorithm").notNull(),
    /** -1 means no path length constraint. */
    maxPathLength: integer("max_path_length").notNull().default(-1),
    notBefore: timestamptz("not_before"),
    notAfter: timestamptz("not_after"),
    serialNumber: text("serial_number"),
    certificate: text("certificate"),
    /** PEM of the issuers above this CA, nearest first, root last; empty for a root. */
    certificateChain: text("certificate_chain").notNull().default(""),
    csr: text("csr"),
    /**
     * The nameConstraints asked for at creation (`{permitted?, excluded?}` of dns/ip/email):
     * in a root's certificate; for an intermediate, what sign-intermediate puts in its
     * certificate. Enforcement reads the certificates, never this.
     */
    nameConstraints: jsonb("name_constraints").$type<Record<string, unknown>>(),
    /** AES-256-GCM envelope (see @certq/pki key-envelope), never plaintext; null for an HSM CA. */
    encryptedPrivateKey: bytea("encrypted_private_key"),
    keyStorage: text("key_storage", { enum: CA_KEY_STORAGES }).notNull().default("database"),
    /** Hex CKA_ID of the key pair in the PKCS#11 token, for an HSM CA. */
    hsmKeyId: text("hsm_key_id"),
    ...timestamps,
  },
  (t) => [
    index("certificate_authorities_created_at_idx").on(t.createdAt),
    // A CA's key is in exactly one place: an HSM CA never has key bytes here.
    check(
      "certificate_authorities_key_location",
      sql`(${t.keyStorage} = 'database' and ${t.encryptedPrivateKey} is not null and ${t.hsmKeyId} is null) or (${t.keyStorage} = 'hsm' and ${t.encryptedPrivateKey} is null and ${t.hsmKeyId} is not null)`,
    ),
  ],
);

export type CertificateAuthorityRow = typeof certificateAuthorities.$inferSelect;
export type NewCertificateAuthorityRow = typeof certificateAuthorities.$inferInsert;
