import { type Database, type NewCertificateRow, rawSql } from "@certq/db";
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
 * Stores issued certificates, each only if its request is still pending: true when it was
 * stored, false when the request had already ended (a second run of its job). Concurrent
 * calls share one statement, and so one commit (see createGroupCommit); each row is still
 * claimed and inserted together or not at all.
 */
export function createIssuanceRecorder(
  db: Database,
): (issued: IssuedCertificate) => Promise<boolean> {
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
    // in a batch breaks UNIQUE(request_id); the group commit then retries each alone.
    const rows = await rawSql(db)<{ request_id: string }[]>`
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
        returning r.id
      )
      insert into certificates (
        id, request_id, ca_id, profile_id, serial_number, name, common_name, alt_names,
        key_algorithm, not_before, not_after, certificate, certificate_chain, encrypted_private_key
      )
      select input.id, input.request_id, input.ca_id, input.profile_id, input.serial_number,
        input.name, input.common_name, input.alt_names, input.key_algorithm, input.not_before,
        input.not_after, input.certificate, input.certificate_chain,
        decode(input.encrypted_private_key, 'hex')
      from input join claimed on claimed.id = input.request_id
      returning request_id`;
    const stored = new Set(rows.map((row) => row.request_id));
    return batch.map((c) => stored.has(c.requestId));
  });
}
