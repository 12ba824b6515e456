import type { CertificateAuthorityRow } from "@certq/db";
import {
  type ExternalSignerInput,
  type KeyAlgorithm,
  type KeyRing,
  openPrivateKey,
  type SignerInput,
  sealPrivateKey,
} from "@certq/pki";
import { BadRequestError, ConflictError, HsmKeyError, HsmUnavailableError } from "../errors";
import type { HsmToken } from "../hsm/pkcs11-token";

// Binding the record ID into the AEAD stops a sealed key being replayed onto another CA.
export const caKeyAad = (caId: string) => `ca:${caId}`;

export function sealCaKey(kek: KeyRing, caId: string, pkcs8: Buffer): Buffer {
  return sealPrivateKey({ kek, plaintext: pkcs8, aad: caKeyAad(caId) });
}

/** The CKA_ID of an HSM CA's key pair: the CA's UUID as 16 bytes. */
export function hsmKeyIdOf(caId: string): Buffer {
  return Buffer.from(caId.replaceAll("-", ""), "hex");
}

export type CaKeyRow = Pick<
  CertificateAuthorityRow,
  | "id"
  | "status"
  | "keyAlgorithm"
  | "certificate"
  | "encryptedPrivateKey"
  | "keyStorage"
  | "hsmKeyId"
>;

/**
 * The CA's certificate and its key, ready to sign: decrypted from the row, or (an HSM CA) a
 * handle on the key in the token, which never leaves it. Only for CAs with a certificate.
 */
export function loadCaSigner(
  kek: KeyRing,
  ca: CaKeyRow,
  hsm: HsmToken | undefined,
): SignerInput | ExternalSignerInput {
  if (!ca.certificate) {
    throw new BadRequestError(`CA ${ca.id} has no certificate yet (status ${ca.status})`, "caId");
  }
  const keyAlgorithm = ca.keyAlgorithm as KeyAlgorithm;
  if (ca.keyStorage === "hsm") {
    if (!hsm) {
      throw new HsmUnavailableError(
        `CA ${ca.id} keeps its key in a PKCS#11 token, and this process has none configured (CERTQ_PKCS11_MODULE)`,
      );
    }
    if (!ca.hsmKeyId) throw new HsmKeyError(`CA ${ca.id} has no HSM key ID`);
    const externalKey = hsm.signingKey(Buffer.from(ca.hsmKeyId, "hex"), keyAlgorithm);
    return { certificatePem: ca.certificate, externalKey, keyAlgorithm };
  }
  if (!ca.encryptedPrivateKey) throw new ConflictError(`CA ${ca.id} has no stored key`);
  return {
    certificatePem: ca.certificate,
    privateKeyPkcs8: openPrivateKey({ kek, sealed: ca.encryptedPrivateKey, aad: caKeyAad(ca.id) }),
    keyAlgorithm,
  };
}
