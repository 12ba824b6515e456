import type { CertificateRow } from "@certq/db";
import { type KeyRing, openPrivateKey, privateKeyPem, sealPrivateKey } from "@certq/pki";

// The certificate ID is bound into the AEAD, so a sealed key cannot be moved to another row.
export const certificateKeyAad = (certificateId: string) => `certificate:${certificateId}`;

export function sealCertificateKey(kek: KeyRing, certificateId: string, pkcs8: Buffer): Buffer {
  return sealPrivateKey({ kek, plaintext: pkcs8, aad: certificateKeyAad(certificateId) });
}

/** The leaf's private key as PKCS#8 PEM, or null when the client kept it (CSR signing). */
export function openCertificateKey(
  kek: KeyRing,
  certificate: Pick<CertificateRow, "id" | "encryptedPrivateKey">,
): string | null {
  if (!certificate.encryptedPrivateKey) return null;
  const pkcs8 = openPrivateKey({
    kek,
    sealed: certificate.encryptedPrivateKey,
    aad: certificateKeyAad(certificate.id),
  });
  return privateKeyPem(pkcs8);
}
