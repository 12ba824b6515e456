import {
  type CertificateAuthorityRow,
  type CertificateProfileRow,
  type Database,
  rawSql,
  readTimestamp,
} from "@certq/db";
import { createChainNameConstraintsCache } from "../cas/chain-name-constraints";
import type { ServiceContext } from "../context";
import { NotFoundError } from "../errors";
import { createBatchedLookup } from "../group-commit";
import type { ConstrainingCa } from "../policy/name-constraints";
import { isUuid } from "../uuid";

/** What a submission needs of a profile and its CA: policy, defaults, and whether it can sign. */
export interface IssuingProfile {
  profile: Pick<CertificateProfileRow, "id" | "caId" | "defaults" | "policy">;
  ca: Pick<CertificateAuthorityRow, "id" | "status" | "keyAlgorithm" | "notBefore" | "notAfter">;
  /** The nameConstraints of the CA and those above it (see chainNameConstraints). */
  nameConstraints: ConstrainingCa[];
}

interface IssuingProfileRow {
  id: string;
  ca_id: string;
  defaults: Record<string, unknown>;
  policy: Record<string, unknown>;
  ca_status: CertificateAuthorityRow["status"];
  ca_key_algorithm: string;
  ca_not_before: string | null;
  ca_not_after: string | null;
  ca_certificate: string | null;
  ca_certificate_chain: string;
}

/** Finds a profile with its CA; undefined when there is no such profile. */
export type IssuingProfileLookup = (profileId: string) => Promise<IssuingProfile | undefined>;

/**
 * A profile and its CA in one round trip, only the columns a submission reads (not the CA's
 * sealed key; its certificate and chain only for their nameConstraints, decoded once per CA);
 * submissions arriving together share one query (see createGroupCommit). The foreign key
 * keeps the CA from being missing.
 */
export function createIssuingProfileLookup(db: Database): IssuingProfileLookup {
  const constraints = createChainNameConstraintsCache();
  return createBatchedLookup({
    query: (profileIds: string[]) => rawSql(db)<IssuingProfileRow[]>`
      select p.id, p.ca_id, p.defaults, p.policy, c.status as ca_status,
        c.key_algorithm as ca_key_algorithm, c.not_before as ca_not_before,
        c.not_after as ca_not_after, c.certificate as ca_certificate,
        c.certificate_chain as ca_certificate_chain
      from certificate_profiles p join certificate_authorities c on c.id = p.ca_id
      where p.id in (select jsonb_array_elements_text(${JSON.stringify(profileIds)}::jsonb)::uuid)`,
    keyOf: (row) => row.id,
    toValue: (row): IssuingProfile => ({
      profile: { id: row.id, caId: row.ca_id, defaults: row.defaults, policy: row.policy },
      ca: {
        id: row.ca_id,
        status: row.ca_status,
        keyAlgorithm: row.ca_key_algorithm,
        notBefore: readTimestamp(row.ca_not_before),
        notAfter: readTimestamp(row.ca_not_after),
      },
      nameConstraints: constraints.get({
        id: row.ca_id,
        certificate: row.ca_certificate,
        certificateChain: row.ca_certificate_chain,
      }),
    }),
  });
}

export async function findIssuingProfile(
  ctx: ServiceContext,
  profileId: string,
): Promise<IssuingProfile> {
  if (!isUuid(profileId)) throw new NotFoundError("Certificate profile", profileId);
  const found = await ctx.lookups.issuingProfile(profileId.toLowerCase());
  if (!found) throw new NotFoundError("Certificate profile", profileId);
  return found;
}
