import { type AuditLogRow, type Database, type NewCertificateRow, rawSql } from "@certq/db";
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
    const rows = await rawSql(db)<{ request_id: string; audit: RawAuditRow }[]>`
      with input as (
        select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(
          id uuid, request_id uuid, ca_id uuid, profile_id uuid, serial_number text, name text,
          common_name text, alt_names jsonb, key_algorithm text, not_before timestamptz,
          not_after timestamptz, certificate text, certificate_chain text,
          encrypted_private_key text)
      ),
      claimed as (
        update certificate_requests r
        set status = 'issued', certificate_id = input.id, error_message = null, updated_at = now()
        from input
        where r.id = input.request_id and r.status = 'pending'
        returning r.id, r.token_id
      ),
      stored as (
        insert into certificates (
          id, request_id, ca_id, profile_id, serial_number, name, common_name, alt_names,
          key_algorithm, not_before, not_after, certificate, certificate_chain,
          encrypted_private_key
        )
        select input.id, input.request_id, input.ca_id, input.profile_id, input.serial_number,
          input.name, input.common_name, input.alt_names, input.key_algorithm, input.not_before,
          input.not_after, input.certificate, input.certificate_chain,
          decode(input.encrypted_private_key, 'hex')
        from input join claimed on claimed.id = input.request_id
        returning id, request_id, ca_id, profile_id, serial_number
      ),
      audited as (
        insert into audit_log (action, target_type, target_id, outcome, details)
        select 'certificate.issued', 'certificate', stored.id::text, 'success',
          jsonb_build_object('serialNumber', stored.serial_number,
            'certificateRequestId', stored.request_id, 'caId', stored.ca_id,
            'profileId', stored.profile_id, 'submittedBy', claimed.token_id)
        from stored join claimed on claimed.id = stored.request_id
        returning *
      )
      select stored.request_id, to_jsonb(audited) as audit
      from stored join audited on audited.target_id = stored.id::text`;
    const stored = new Map(rows.map((row) => [row.request_id, readRawAuditRow(row.audit)]));
    return batch.map((c) => stored.get(c.requestId) ?? null);
  });
}
