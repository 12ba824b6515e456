import {
  batchKeys,
  type CertificateAuthorityRow,
  type CertificateProfileRow,
  certificateAuthorities,
  certificateProfiles,
  type Database,
} from "@certq/db";
import { eq, inArray, sql } from "drizzle-orm";
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
  const query = db
    .select({
      profile: {
        id: certificateProfiles.id,
        caId: certificateProfiles.caId,
        defaults: certificateProfiles.defaults,
        policy: certificateProfiles.policy,
      },
      ca: {
        id: certificateAuthorities.id,
        status: certificateAuthorities.status,
        keyAlgorithm: certificateAuthorities.keyAlgorithm,
        notBefore: certificateAuthorities.notBefore,
        notAfter: certificateAuthorities.notAfter,
      },
      chain: {
        certificate: certificateAuthorities.certificate,
        certificateChain: certificateAuthorities.certificateChain,
      },
    })
    .from(certificateProfiles)
    .innerJoin(certificateAuthorities, eq(certificateAuthorities.id, certificateProfiles.caId))
    .where(inArray(certificateProfiles.id, batchKeys(sql.placeholder("ids"), "uuid")))
    .prepare("issuing_profile_lookup");
  return createBatchedLookup({
    query: (profileIds: string[]) => query.execute({ ids: JSON.stringify(profileIds) }),
    keyOf: (row) => row.profile.id,
    toValue: ({ profile, ca, chain }): IssuingProfile => ({
      profile,
      ca,
      nameConstraints: constraints.get({ id: ca.id, ...chain }),
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
