import { randomBytes, randomUUID } from "node:crypto";
import type { CertificateAuthorityRow } from "@certq/db";
import {
  createCertificate,
  createKeyRing,
  generateKeyPair,
  generateSerialNumber,
} from "@certq/pki";
import { beforeAll, describe, expect, it } from "vitest";
import { sealCaKey } from "./ca-key";
import { createCaSignerCache } from "./ca-signer-cache";

const kek = createKeyRing(randomBytes(32));

async function rootRow(
  commonName: string,
  id: CertificateAuthorityRow["id"] = randomUUID(),
): Promise<CertificateAuthorityRow> {
  const keys = await generateKeyPair("EC_prime256v1");
  const now = Date.now();
  const certificate = await createCertificate({
    subject: { commonName },
    publicKeySpki: keys.publicKeySpki,
    serialNumber: generateSerialNumber(),
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    signatureAlgorithm: "ECDSA-SHA256",
    issuer: {
      selfSigned: { privateKeyPkcs8: keys.privateKeyPkcs8, keyAlgorithm: "EC_prime256v1" },
    },
    ca: { maxPathLength: -1 },
  });
  return {
    id,
    type: "root",
    status: "active",
    parentCaId: null,
    commonName,
    organization: "",
    ou: "",
    country: "",
    province: "",
    locality: "",
    keyAlgorithm: "EC_prime256v1",
    maxPathLength: -1,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    serialNumber: null,
    certificate,
    certificateChain: "",
    nameConstraints: null,
    csr: null,
    encryptedPrivateKey: sealCaKey(kek, id, keys.privateKeyPkcs8),
    keyStorage: "database",
    hsmKeyId: null,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  };
}

describe("createCaSignerCache", () => {
  let first: CertificateAuthorityRow;
  let second: CertificateAuthorityRow;
  beforeAll(async () => {
    first = await rootRow("Cache Root One");
    second = await rootRow("Cache Root Two");
  });

  it("prepares a CA once and hands out the same signer while the row is unchanged", () => {
    const cache = createCaSignerCache(kek);
    const a = cache.get(first);
    // A fresh copy of the row, as the next query returns it.
    const b = cache.get({
      ...first,
      encryptedPrivateKey: Buffer.from(first.encryptedPrivateKey ?? ""),
    });
    expect(b).toBe(a);
    expect(a.chainPem).toBe(first.certificate);
  });

  it("prepares again when the row's certificate, chain or key changed", async () => {
    const cache = createCaSignerCache(kek);
    const a = cache.get(first);
    // Same ID, new certificate and key (as if the CA were re-keyed).
    const rekeyed = await rootRow("Cache Root One", first.id);
    const b = cache.get(rekeyed);
    expect(b).not.toBe(a);
    expect(b.chainPem).toBe(rekeyed.certificate);
    // A sealed key that no longer matches the certificate is refused, not signed with.
    expect(() => cache.get({ ...first, encryptedPrivateKey: rekeyed.encryptedPrivateKey })).toThrow(
      /does not match/,
    );
    const withChain = { ...first, certificateChain: second.certificate as string };
    const c = cache.get(withChain);
    expect(c).not.toBe(a);
    expect(c.chainPem).toBe(`${(first.certificate as string).trim()}\n${second.certificate}`);
  });

  it("refuses a CA without a certificate", () => {
    const cache = createCaSignerCache(kek);
    expect(() => cache.get({ ...first, certificate: null, status: "pending-certificate" })).toThrow(
      /has no certificate yet/,
    );
  });

  it("keeps at most maxEntries CAs, dropping the least recently used", () => {
    const cache = createCaSignerCache(kek, 1);
    const a = cache.get(first);
    cache.get(second);
    expect(cache.size).toBe(1);
    expect(cache.get(first)).not.toBe(a);
  });
});
