import type { CertificateAuthorityRow, CertificateProfileRow } from "@certq/db";
import {
  type AltName,
  type KeyAlgorithm,
  parseCsr,
  signatureAlgorithmFits,
  validateAltName,
  validateSubject,
} from "@certq/pki";
import { BadRequestError } from "../errors";
import {
  applyDefaults,
  assertNameConstraints,
  assertPolicy,
  type ConstrainingCa,
  parseTtl,
  profileDefaultsSchema,
  profilePolicySchema,
} from "../policy";
import type { RequestParams, SubmitCertificateInput } from "./request-schemas";
import { computeValidity } from "./validity";

type Attributes = Omit<
  SubmitCertificateInput,
  "profileId" | "csr" | "attributes" | "removeRootsFromChain"
>;

export interface ResolvedRequest {
  kind: "generate-key" | "sign-csr";
  params: RequestParams;
  csr: string | null;
}

/**
 * Everything the API can decide at once: defaults applied, names and validity checked,
 * the profile's policy enforced. A request that passes here can still fail in the worker
 * only if the profile or CA changes meanwhile.
 */
export async function resolveRequest(args: {
  profile: Pick<CertificateProfileRow, "defaults" | "policy">;
  ca: Pick<CertificateAuthorityRow, "id" | "keyAlgorithm" | "notBefore" | "notAfter">;
  attributes: Attributes;
  csr: string | undefined;
  now: Date;
  /** The nameConstraints of the CA and those above it. */
  nameConstraints: readonly ConstrainingCa[];
}): Promise<ResolvedRequest> {
  const { attributes: a, ca } = args;
  let commonName = a.commonName;
  let altNames: AltName[] = a.altNames ?? [];
  let keyAlgorithm: KeyAlgorithm | undefined = a.keyAlgorithm;
  if (args.csr) {
    const csr = await parseCsr(args.csr);
    commonName = csr.subject.commonName;
    altNames = csr.altNames;
    keyAlgorithm = csr.keyAlgorithm;
  }

  const resolved = applyDefaults(
    profileDefaultsSchema.parse(args.profile.defaults),
    {
      ttl: a.ttl,
      keyAlgorithm,
      signatureAlgorithm: a.signatureAlgorithm,
      keyUsages: a.keyUsages,
      extendedKeyUsages: a.extendedKeyUsages,
    },
    ca.keyAlgorithm as KeyAlgorithm,
  );

  if (commonName !== undefined) validateSubject({ commonName });
  altNames.forEach((altName, i) => {
    const problem = validateAltName(altName);
    if (problem) throw new BadRequestError(`altNames[${i}]: ${problem}`, `altNames.${i}.value`);
  });
  if (!commonName && altNames.length === 0) {
    throw new BadRequestError("give a commonName or at least one altName", "commonName");
  }
  if (!signatureAlgorithmFits(resolved.signatureAlgorithm, ca.keyAlgorithm as KeyAlgorithm)) {
    throw new BadRequestError(
      `signatureAlgorithm '${resolved.signatureAlgorithm}' does not fit the issuing CA's ${ca.keyAlgorithm} key`,
      "signatureAlgorithm",
    );
  }

  const params: RequestParams = {
    commonName,
    altNames,
    keyAlgorithm: resolved.keyAlgorithm,
    signatureAlgorithm: resolved.signatureAlgorithm,
    keyUsages: [...new Set(resolved.keyUsages)],
    extendedKeyUsages: [...new Set(resolved.extendedKeyUsages)],
    notBefore: a.notBefore?.toISOString(),
    notAfter: a.notAfter?.toISOString(),
    ttlMs: resolved.ttl ? parseTtl(resolved.ttl) : undefined,
  };
  const validity = computeValidity(params, ca, args.now);
  assertPolicy(profilePolicySchema.parse(args.profile.policy), {
    commonName,
    altNames,
    keyAlgorithm: params.keyAlgorithm,
    signatureAlgorithm: params.signatureAlgorithm,
    keyUsages: params.keyUsages,
    extendedKeyUsages: params.extendedKeyUsages,
    ttlMs: validity.lifetimeMs,
  });
  assertNameConstraints(args.nameConstraints, { commonName, altNames });
  return { kind: args.csr ? "sign-csr" : "generate-key", params, csr: args.csr ?? null };
}
