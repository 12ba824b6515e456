import {
  type AuditLogRow,
  auditLog,
  certificateRequests,
  certificates,
  columnNames,
  type Database,
  type NewCertificateRow,
  rawSql,
} from "@certq/db";
import { type RawAuditRow, readRawAuditRow } from "../audit/audit-view";
import { createGroupCommit } from "../group-commit";

/** A signed certificate ready to be stored with the claim of its request. */
export type IssuedCertificate = Required<
  Pick<
    NewCertificateRow,
    | "id"
    | "caId"
    | "profileId"
    | "serialNumber"
    | "name"
    | "commonName"
    | "altNames"
    | "keyAlgorithm"
    | "notBefore"
    | "notAfter"
    | "certificate"
    | "certificateChain"
    | "encryptedPrivateKey"
  >
> & { requestId: string };

// Column names from the schema: a renamed property fails tsc (see columnNames).
const REQUEST_COLUMNS = columnNames(certificateRequests);
const CERTIFICATE_COLUMNS = columnNames(certificates);
const AUDIT_COLUMNS = columnNames(auditLog);

/**
 * Stores issued certificates, each only if its request is still pending: its audit row
 * (certificate.issued) when it was stored, null when the request had already ended (a second
 * run of its job). Concurrent calls share one statement, and so one commit (see
 * createGroupCommit); each row is still claimed, inserted and audited together or not at all.
 */
export function createIssuanceRecorder(
  db: Database,
): (issued: IssuedCertificate) => Promise<AuditLogRow | null> {
  return createGroupCommit(async (batch: IssuedCertificate[]) => {
    const input = batch.map((c) => ({
      id: c.id,
      request_id: c.requestId,
      ca_id: c.caId,
      profile_id: c.profileId,
      serial_number: c.serialNumber,
      name: c.name,
      common_name: c.commonName,
      alt_names: c.altNames,
      key_algorithm: c.keyAlgorithm,
      not_before: c.notBefore.toISOString(),
      not_after: c.notAfter.toISOString(),
      certificate: c.certificate,
      certificate_chain: c.certificateChain,
      encrypted_private_key: c.encryptedPrivateKey?.toString("hex") ?? null,
    }));
    // One statement: no BEGIN/COMMIT round trips, and a postgres.js prepared statement
    // (drizzle's unnamed ones cost a second round trip to describe). The same request twice
    // in a batch breaks UNIQUE(request_id); the group commit then retries each alone. The
    // audit rows are part of the statement, so they commit with the certificates.
    const q = rawSql(db);
    const [r, c, a] = [REQUEST_COLUMNS, CERTIFICATE_COLUMNS, AUDIT_COLUMNS];
    const rows = await q<{ request_id: string; audit: RawAuditRow }[]>`
      with input as (
        select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(
          id uuid, request_id uuid, ca_id uuid, profile_id uuid, serial_number text, name text,
          common_name text, alt_names jsonb, key_algorithm text, not_before timestamptz,
          not_after timestamptz, certificate text, certificate_chain text,
          encrypted_private_key text)
      ),
      claimed as (
        update certificate_requests r
        set ${q(r.status)} = 'issued', ${q(r.certificateId)} = input.id,
          ${q(r.errorMessage)} = null, ${q(r.updatedAt)} = now()
        from input
        where r.${q(r.id)} = input.request_id and r.${q(r.status)} = 'pending'
        returning r.${q(r.id)} as id, r.${q(r.tokenId)} as token_id
      ),
      stored as (
        insert into certificates (
          ${q(c.id)}, ${q(c.requestId)}, ${q(c.caId)}, ${q(c.profileId)}, ${q(c.serialNumber)},
          ${q(c.name)}, ${q(c.commonName)}, ${q(c.altNames)}, ${q(c.keyAlgorithm)},
          ${q(c.notBefore)}, ${q(c.notAfter)}, ${q(c.certificate)}, ${q(c.certificateChain)},
          ${q(c.encryptedPrivateKey)}
        )
        select input.id, input.request_id, input.ca_id, input.profile_id, input.serial_number,
          input.name, input.common_name, input.alt_names, input.key_algorithm, input.not_before,
          input.not_after, input.certificate, input.certificate_chain,
          decode(input.encrypted_private_key, 'hex')
        from input join claimed on claimed.id = input.request_id
        returning ${q(c.id)} as id, ${q(c.requestId)} as request_id, ${q(c.caId)} as ca_id,
          ${q(c.profileId)} as profile_id, ${q(c.serialNumber)} as serial_number
      ),
      audited as (
        insert into audit_log (${q(a.action)}, ${q(a.targetType)}, ${q(a.targetId)},
          ${q(a.outcome)}, ${q(a.details)})
        select 'certificate.issued', 'certificate', stored.id::text, 'success',
          jsonb_build_object('serialNumber', stored.serial_number,
            'certificateRequestId', stored.request_id, 'caId', stored.ca_id,
            'profileId', stored.profile_id, 'submittedBy', claimed.token_id)
        from stored join claimed on claimed.id = stored.request_id
        returning *
      )
      select stored.request_id, to_jsonb(audited) as audit
      from stored join audited on audited.${q(a.targetId)} = stored.id::text`;
    const stored = new Map(rows.map((row) => [row.request_id, readRawAuditRow(row.audit)]));
    return batch.map((c) => stored.get(c.requestId) ?? null);
  });
}
