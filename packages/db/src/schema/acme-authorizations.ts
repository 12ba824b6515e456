import { boolean, index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { type AcmeIdentifier, acmeOrders } from "./acme-orders";
import { timestamps, timestamptz } from "./columns";

export const ACME_AUTHORIZATION_STATUSES = [
  "pending",
  "valid",
  "invalid",
  "deactivated",
  "expired",
  "revoked",
] as const;

/** One identifier of one order to prove control of; certq does not reuse them across orders. */
export const acmeAuthorizations = pgTable(
  "acme_authorizations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orderId: uuid("order_id")
      .notNull()
      .references(() => acmeOrders.id, { onDelete: "cascade" }),
    status: text("status", { enum: ACME_AUTHORIZATION_STATUSES }).notNull().default("pending"),
    /** Without the `*.` of a wildcard: that is `wildcard`. */
    identifier: jsonb("identifier").$type<AcmeIdentifier>().notNull(),
    wildcard: boolean("wildcard").notNull().default(false),
    expires: timestamptz("expires").notNull(),
    ...timestamps,
  },
  (t) => [index("acme_authorizations_order_id_idx").on(t.orderId)],
);

export type AcmeAuthorizationRow = typeof acmeAuthorizations.$inferSelect;
