import {
  type CertificateAuthorityRow,
  type CertificateProfileRow,
  type CertificateRequestRow,
  type Database,
  rawSql,
  readTimestamp,
} from "@certq/db";
import { createBatchedLookup } from "../group-commit";

/** What issuing one request reads: the request, its profile's policy, and its CA. */
export interface IssuanceSubject {
  request: Pick<CertificateRequestRow, "id" | "status" | "kind" | "params" | "csr">;
  profile: Pick<CertificateProfileRow, "id" | "policy" | "webhookUrl">;
  ca: Pick<
    CertificateAuthorityRow,
    | "id"
    | "status"
    | "keyAlgorithm"
    | "notBefore"
    | "notAfter"
    | "certificate"
    | "certificateChain"
    | "encryptedPrivateKey"
    | "keyStorage"
    | "hsmKeyId"
  >;
}

interface Row {
  id: string;
  status: CertificateRequestRow["status"];
  kind: CertificateRequestRow["kind"];
  params: Record<string, unknown>;
  csr: string | null;
  profile_id: string;
  policy: Record<string, unknown>;
  webhook_url: string | null;
  ca_id: string;
  ca_status: CertificateAuthorityRow["status"];
  key_algorithm: string;
  not_before: string | null;
  not_after: string | null;
  certificate: string | null;
  certificate_chain: string;
  encrypted_private_key: Buffer | null;
  key_storage: CertificateAuthorityRow["keyStorage"];
  hsm_key_id: string | null;
}

/** Loads requests to issue; undefined for a request that does not exist. */
export type IssuanceLoader = (requestId: string) => Promise<IssuanceSubject | undefined>;

/**
 * A request with its profile and CA in one round trip; jobs starting together share one
 * query (see createGroupCommit), a prepared statement.
 */
export function createIssuanceLoader(db: Database): IssuanceLoader {
  return createBatchedLookup({
    query: (requestIds: string[]) => rawSql(db)<Row[]>`
      select r.id, r.status, r.kind, r.params, r.csr,
        p.id as profile_id, p.policy, p.webhook_url,
        c.id as ca_id, c.status as ca_status, c.key_algorithm, c.not_before, c.not_after,
        c.certificate, c.certificate_chain, c.encrypted_private_key,
        c.key_storage, c.hsm_key_id
      from certificate_requests r
        join certificate_profiles p on p.id = r.profile_id
        join certificate_authorities c on c.id = r.ca_id
      where r.id in (select jsonb_array_elements_text(${JSON.stringify(requestIds)}::jsonb)::uuid)`,
    keyOf: (row) => row.id,
    toValue: (row): IssuanceSubject => ({
      request: { id: row.id, status: row.status, kind: row.kind, params: row.params, csr: row.csr },
      profile: { id: row.profile_id, policy: row.policy, webhookUrl: row.webhook_url },
      ca: {
        id: row.ca_id,
        status: row.ca_status,
        keyAlgorithm: row.key_algorithm,
        notBefore: readTimestamp(row.not_before),
        notAfter: readTimestamp(row.not_after),
        certificate: row.certificate,
        certificateChain: row.certificate_chain,
        encryptedPrivateKey: row.encrypted_private_key,
        keyStorage: row.key_storage,
        hsmKeyId: row.hsm_key_id,
      },
    }),
  });
}
