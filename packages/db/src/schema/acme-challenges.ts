import { index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { acmeAuthorizations } from "./acme-authorizations";
import type { AcmeStoredProblem } from "./acme-orders";
import { timestamps, timestamptz } from "./columns";

export const ACME_CHALLENGE_TYPES = ["http-01", "dns-01", "tls-alpn-01"] as const;
export const ACME_CHALLENGE_STATUSES = ["pending", "processing", "valid", "invalid"] as const;

export const acmeChallenges = pgTable(
  "acme_challenges",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    authorizationId: uuid("authorization_id")
      .notNull()
      .references(() => acmeAuthorizations.id, { onDelete: "cascade" }),
    type: text("type", { enum: ACME_CHALLENGE_TYPES }).notNull(),
    status: text("status", { enum: ACME_CHALLENGE_STATUSES }).notNull().default("pending"),
    /** base64url of 32 random bytes (RFC 8555 8.1). */
    token: text("token").notNull(),
    /** Validation attempts stop at this time; set when the client asks for validation. */
    deadline: timestamptz("deadline"),
    validated: timestamptz("validated"),
    error: jsonb("error").$type<AcmeStoredProblem>(),
    ...timestamps,
  },
  (t) => [index("acme_challenges_authorization_id_idx").on(t.authorizationId)],
);

export type AcmeChallengeRow = typeof acmeChallenges.$inferSelect;
