import type { CertificateAuthorityRow } from "@certq/db";
import {
  type KeyAlgorithm,
  type KeyRing,
  openPrivateKey,
  type SignerInput,
  sealPrivateKey,
} from "@certq/pki";
import { BadRequestError } from "../errors";

// Binding the record ID into the AEAD stops a sealed key being replayed onto another CA.
export const caKeyAad = (caId: string) => `ca:${caId}`;

export function sealCaKey(kek: KeyRing, caId: string, pkcs8: Buffer): Buffer {
  return sealPrivateKey({ kek, plaintext: pkcs8, aad: caKeyAad(caId) });
}

/** The CA's certificate and decrypted key, ready to sign. Only for active CAs. */
export function loadCaSigner(
  kek: KeyRing,
  ca: Pick<
    CertificateAuthorityRow,
    "id" | "status" | "keyAlgorithm" | "certificate" | "encryptedPrivateKey"
  >,
): SignerInput {
  if (!ca.certificate) {
    throw new BadRequestError(`CA ${ca.id} has no certificate yet (status ${ca.status})`, "caId");
  }
  return {
    certificatePem: ca.certificate,
    privateKeyPkcs8: openPrivateKey({ kek, sealed: ca.encryptedPrivateKey, aad: caKeyAad(ca.id) }),
    keyAlgorithm: ca.keyAlgorithm as KeyAlgorithm,
  };
}
