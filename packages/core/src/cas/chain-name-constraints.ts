import type { CertificateAuthorityRow } from "@certq/db";
import { readCertificateNameConstraints, splitPemBundle } from "@certq/pki";
import type { ConstrainingCa } from "../policy/name-constraints";

/**
 * The CAs of a chain (the issuing CA's certificate, then those above it) whose certificates
 * carry nameConstraints, decoded from the certificates themselves, so constraints of CAs made
 * elsewhere (imported) bind as much as our own.
 */
export function chainNameConstraints(certificatePem: string, chainPem: string): ConstrainingCa[] {
  return [certificatePem, ...splitPemBundle(chainPem)].flatMap((pem) => {
    const info = readCertificateNameConstraints(pem);
    return info.nameConstraints
      ? [{ ca: info.subjectString, constraints: info.nameConstraints }]
      : [];
  });
}

type ChainRow = Pick<CertificateAuthorityRow, "id" | "certificate" | "certificateChain">;

export interface ChainNameConstraintsCache {
  /** The chain's constraints; none for a CA without a certificate (it cannot sign anyway). */
  get(ca: ChainRow): ConstrainingCa[];
}

/**
 * Decoding a chain costs a certificate parse per CA; per submission that would dominate, so
 * a process keeps the result per CA, reused only while its certificate and chain are the same
 * text. Bounded: the least recently used CA makes room.
 */
export function createChainNameConstraintsCache(maxEntries = 256): ChainNameConstraintsCache {
  const entries = new Map<
    string,
    { certificate: string; chain: string; value: ConstrainingCa[] }
  >();
  return {
    get(ca) {
      if (!ca.certificate) return [];
      const cached = entries.get(ca.id);
      entries.delete(ca.id);
      const entry =
        cached && cached.certificate === ca.certificate && cached.chain === ca.certificateChain
          ? cached
          : {
              certificate: ca.certificate,
              chain: ca.certificateChain,
              value: chainNameConstraints(ca.certificate, ca.certificateChain),
            };
      entries.set(ca.id, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return entry.value;
    },
  };
}
