import type { CertificateAuthorityRow } from "@certq/db";
import {
  joinPem,
  type KeyRing,
  type PreparedSigner,
  prepareSigner,
  splitPemBundle,
} from "@certq/pki";
import type { HsmToken } from "../hsm/pkcs11-token";
import type { ConstrainingCa } from "../policy/name-constraints";
import { type CaKeyRow, loadCaSigner } from "./ca-key";
import { chainNameConstraints } from "./chain-name-constraints";

/** A CA ready to sign leaves, and the chain its leaves are served with. */
export interface CaSigner {
  signer: PreparedSigner;
  /** The CA's certificate followed by its own chain, PEM. */
  chainPem: string;
  /** The nameConstraints of this CA and those above it, which its leaves must meet. */
  nameConstraints: ConstrainingCa[];
}

/** The columns of a CA's row that its signer comes from. */
export type SigningCaRow = CaKeyRow & Pick<CertificateAuthorityRow, "certificateChain">;

export interface CaSignerCache {
  /** The CA's signer, prepared on first use; the caller still checks the CA may sign now. */
  get(ca: SigningCaRow): CaSigner;
  readonly size: number;
}

interface Entry {
  certificate: string;
  sealedKey: Buffer | null;
  /** For an HSM CA, its key's ID in the token. */
  hsmKeyId: string | null;
  chain: string;
  value: CaSigner;
}

/**
 * Preparing a CA (decrypt its key, parse its certificate, check the two belong together)
 * costs about as much as issuing ten EC certificates, and it is the same work for every
 * certificate, CRL or OCSP response the CA signs, so a process keeps it. An entry is only reused while the row
 * still holds the same certificate, sealed key and chain (an intermediate's certificate can
 * be imported later), so it can never sign with a stale CA. The decrypted key stays in this
 * process's memory, as the key pool's keys do; nothing of it is persisted or logged. An HSM
 * CA's entry holds only a handle on its key in `hsm`'s token.
 * Bounded: the least recently used CA makes room.
 */
export function createCaSignerCache(kek: KeyRing, maxEntries = 64, hsm?: HsmToken): CaSignerCache {
  const sameKey = (entry: Entry, ca: SigningCaRow) =>
    entry.hsmKeyId === ca.hsmKeyId &&
    (entry.sealedKey === null || ca.encryptedPrivateKey === null
      ? entry.sealedKey === ca.encryptedPrivateKey
      : entry.sealedKey.equals(ca.encryptedPrivateKey));
  const entries = new Map<string, Entry>();
  return {
    get(ca) {
      const cached = entries.get(ca.id);
      entries.delete(ca.id);
      if (
        cached &&
        cached.certificate === ca.certificate &&
        cached.chain === ca.certificateChain &&
        sameKey(cached, ca)
      ) {
        entries.set(ca.id, cached);
        return cached.value;
      }
      const input = loadCaSigner(kek, ca, hsm);
      const value: CaSigner = {
        signer: prepareSigner(input),
        chainPem: joinPem([input.certificatePem, ...splitPemBundle(ca.certificateChain)]),
        nameConstraints: chainNameConstraints(input.certificatePem, ca.certificateChain),
      };
      entries.set(ca.id, {
        certificate: input.certificatePem,
        sealedKey: ca.encryptedPrivateKey && Buffer.from(ca.encryptedPrivateKey),
        hsmKeyId: ca.hsmKeyId,
        chain: ca.certificateChain,
        value,
      });
      // Maps iterate in insertion order and hits are re-inserted: the first key is the LRU.
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return value;
    },
    get size() {
      return entries.size;
    },
  };
}
