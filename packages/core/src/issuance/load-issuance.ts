import {
  batchKeys,
  type CertificateAuthorityRow,
  type CertificateProfileRow,
  type CertificateRequestRow,
  certificateAuthorities,
  certificateProfiles,
  certificateRequests,
  type Database,
} from "@certq/db";
import { eq, inArray, sql } from "drizzle-orm";
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

/** Loads requests to issue; undefined for a request that does not exist. */
export type IssuanceLoader = (requestId: string) => Promise<IssuanceSubject | undefined>;

/**
 * A request with its profile and CA in one round trip; jobs starting together share one
 * query (see createGroupCommit), a prepared statement.
 */
export function createIssuanceLoader(db: Database): IssuanceLoader {
  const r = certificateRequests;
  const p = certificateProfiles;
  const c = certificateAuthorities;
  const query = db
    .select({
      request: { id: r.id, status: r.status, kind: r.kind, params: r.params, csr: r.csr },
      profile: { id: p.id, policy: p.policy, webhookUrl: p.webhookUrl },
      ca: {
        id: c.id,
        status: c.status,
        keyAlgorithm: c.keyAlgorithm,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        certificate: c.certificate,
        certificateChain: c.certificateChain,
        encryptedPrivateKey: c.encryptedPrivateKey,
        keyStorage: c.keyStorage,
        hsmKeyId: c.hsmKeyId,
      },
    })
    .from(r)
    .innerJoin(p, eq(p.id, r.profileId))
    .innerJoin(c, eq(c.id, r.caId))
    .where(inArray(r.id, batchKeys(sql.placeholder("ids"), "uuid")))
    .prepare("issuance_loader");
  return createBatchedLookup({
    query: (requestIds: string[]) => query.execute({ ids: JSON.stringify(requestIds) }),
    keyOf: (row) => row.request.id,
    toValue: (row): IssuanceSubject => row,
  });
}
