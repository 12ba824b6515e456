import { bigint, pgTable, uuid } from "drizzle-orm/pg-core";
import { certificateAuthorities } from "./certificate-authorities";
import { bytea, timestamptz } from "./columns";

/** The current CRL of each CA, rebuilt after revocations and before nextUpdate. */
export const certificateRevocationLists = pgTable("certificate_revocation_lists", {
  caId: uuid("ca_id")
    .primaryKey()
    .references(() => certificateAuthorities.id, { onDelete: "cascade" }),
  /** Monotonic CRL Number (RFC 5280 5.2.3). */
  crlNumber: bigint("crl_number", { mode: "bigint" }).notNull(),
  der: bytea("der").notNull(),
  thisUpdate: timestamptz("this_update").notNull(),
  nextUpdate: timestamptz("next_update").notNull(),
});

export type CertificateRevocationListRow = typeof certificateRevocationLists.$inferSelect;
