import {
  acmeEabKeys,
  certificateAuthorities,
  certificateProfiles,
  certificates,
  sealedKekHeader,
} from "@certq/db";
import { getTableName, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { eabKeyAad } from "../acme/eab-keys";
import { caKeyAad } from "../cas/ca-key";
import { certificateKeyAad } from "../certificates/certificate-key";
import { webhookSecretAad } from "../webhooks/webhook-secret";

/** A column holding key envelopes sealed under the KEK, and the record binding of its AAD. */
export interface SealedColumn {
  table: string;
  column: string;
  aad: (id: string) => string;
  /** SQL for the table, the column and its sealedKekHeader, fully qualified. */
  sql: { table: SQLWrapper; column: SQLWrapper; header: SQL; id: SQL };
}

function sealedColumn(table: PgTable, column: PgColumn, aad: (id: string) => string): SealedColumn {
  const name = getTableName(table);
  const qualified = sql`${sql.identifier(name)}.${sql.identifier(column.name)}`;
  return {
    table: name,
    column: column.name,
    aad,
    sql: {
      table: sql.identifier(name),
      column: sql.identifier(column.name),
      header: sealedKekHeader(qualified),
      id: sql`${sql.identifier(name)}."id"`,
    },
  };
}

/** Every stored envelope: what KEK rotation re-wraps and start-up checks the ring against. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  sealedColumn(certificateAuthorities, certificateAuthorities.encryptedPrivateKey, caKeyAad),
  sealedColumn(certificates, certificates.encryptedPrivateKey, certificateKeyAad),
  sealedColumn(certificateProfiles, certificateProfiles.webhookSecret, webhookSecretAad),
  sealedColumn(acmeEabKeys, acmeEabKeys.sealedHmacKey, eabKeyAad),
];

/** The header (see sealedKekHeader) of envelopes sealed under `kekId`. */
export function currentHeader(kekId: string): Buffer {
  return Buffer.concat([Buffer.from([0x02]), Buffer.from(kekId, "hex")]);
}
