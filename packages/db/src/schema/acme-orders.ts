import { index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { acmeAccounts } from "./acme-accounts";
import { certificateProfiles } from "./certificate-profiles";
import { certificateRequests } from "./certificate-requests";
import { certificates } from "./certificates";
import { timestamps, timestamptz } from "./columns";

export const ACME_ORDER_STATUSES = ["pending", "ready", "processing", "valid", "invalid"] as const;

export interface AcmeIdentifier {
  type: "dns" | "ip";
  value: string;
}

/** An RFC 8555 problem document as stored on an order or challenge. */
export interface AcmeStoredProblem {
  type: string;
  detail: string;
  status?: number;
}

export const acmeOrders = pgTable(
  "acme_orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => acmeAccounts.id, { onDelete: "cascade" }),
    profileId: uuid("profile_id")
      .notNull()
      .references(() => certificateProfiles.id, { onDelete: "cascade" }),
    status: text("status", { enum: ACME_ORDER_STATUSES }).notNull().default("pending"),
    identifiers: jsonb("identifiers").$type<AcmeIdentifier[]>().notNull(),
    notBefore: timestamptz("not_before"),
    notAfter: timestamptz("not_after"),
    expires: timestamptz("expires").notNull(),
    error: jsonb("error").$type<AcmeStoredProblem>(),
    /** Set by finalize, in the statement that moves the order to processing. */
    certificateRequestId: uuid("certificate_request_id").references(() => certificateRequests.id, {
      onDelete: "set null",
    }),
    certificateId: uuid("certificate_id").references(() => certificates.id, {
      onDelete: "set null",
    }),
    /**
     * RFC 9773 `replaces`: the certificate this order renews, and its certID as the client
     * sent it (echoed in the order). Finalize copies the link to the certificate request.
     */
    replacesCertificateId: uuid("replaces_certificate_id").references(() => certificates.id, {
      onDelete: "set null",
    }),
    replaces: text("replaces"),
    ...timestamps,
  },
  (t) => [
    index("acme_orders_account_id_idx").on(t.accountId, t.createdAt),
    uniqueIndex("acme_orders_certificate_request_id_key").on(t.certificateRequestId),
    index("acme_orders_certificate_id_idx").on(t.certificateId),
  ],
);

export type AcmeOrderRow = typeof acmeOrders.$inferSelect;
