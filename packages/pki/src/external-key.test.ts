import { createPrivateKey, sign } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import {
  defaultSignatureAlgorithm,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  keyFamily,
} from "./algorithms";
import { createCertificate } from "./certificate";
import { createCrl } from "./crl";
import { createCsr, parseCsr } from "./csr";
import { ecdsaSignatureToDer } from "./ecdsa-signature";
import { generateKeyPair } from "./keys";
import { prepareSigner } from "./signer";
import { type ExternalSigningKey, signatureDigest } from "./signing-key";
import { certificateInput } from "./testing/fixtures";
import { createScratch, opensslOk, opensslVerify } from "./testing/openssl";

const scratch = createScratch();
afterAll(() => scratch.remove());

/**
 * A key "held elsewhere" as an HSM holds it: only sign() reaches the private half, and EC
 * signatures come out raw (r || s), as PKCS#11's CKM_ECDSA gives them, to be converted.
 */
async function externalKey(keyAlgorithm: KeyAlgorithm) {
  const pair = await generateKeyPair(keyAlgorithm);
  const privateKey = createPrivateKey({ key: pair.privateKeyPkcs8, format: "der", type: "pkcs8" });
  const calls: string[] = [];
  const key: ExternalSigningKey = {
    keyAlgorithm,
    publicKeySpki: pair.publicKeySpki,
    sign(data, signatureAlgorithm) {
      calls.push(signatureAlgorithm);
      const digest = signatureDigest(signatureAlgorithm);
      if (keyFamily(keyAlgorithm) === "RSA") return sign(digest, data, privateKey);
      return ecdsaSignatureToDer(
        sign(digest, data, { key: privateKey, dsaEncoding: "ieee-p1363" }),
      );
    },
  };
  return { key, pair, calls };
}

describe("an external signing key (as an HSM holds it)", () => {
  it.each(KEY_ALGORITHMS)(
    "%s: signs a root, a CSR, a leaf and a CRL that openssl verifies",
    async (algorithm) => {
      const { key, calls } = await externalKey(algorithm);
      const signatureAlgorithm = defaultSignatureAlgorithm(algorithm);
      const subject = { commonName: `External ${algorithm}` };
      const rootPem = await createCertificate(
        certificateInput({
          subject,
          publicKeySpki: key.publicKeySpki,
          signatureAlgorithm,
          issuer: { selfSigned: { externalKey: key } },
          ca: { maxPathLength: -1 },
        }),
      );
      const rootFile = scratch.write(`root-${algorithm}.pem`, rootPem);

      const csr = await createCsr({
        subject,
        publicKeySpki: key.publicKeySpki,
        externalKey: key,
        keyAlgorithm: algorithm,
        signatureAlgorithm,
        ca: { maxPathLength: 0 },
      });
      expect(opensslOk(["req", "-verify", "-noout"], csr)).toBeDefined();
      expect((await parseCsr(csr)).publicKeySpki.equals(key.publicKeySpki)).toBe(true);

      const signer = prepareSigner({
        certificatePem: rootPem,
        externalKey: key,
        keyAlgorithm: algorithm,
      });
      expect(signer.key).toBe(key);
      const leafKeys = await generateKeyPair("EC_prime256v1");
      const leafPem = await createCertificate(
        certificateInput({
          subject: { commonName: "leaf.example.test" },
          publicKeySpki: leafKeys.publicKeySpki,
          signatureAlgorithm,
          issuer: signer,
          altNames: [{ type: "dns_name", value: "leaf.example.test" }],
        }),
      );
      const leafFile = scratch.write(`leaf-${algorithm}.pem`, leafPem);
      const crl = await createCrl({
        issuer: signer,
        signatureAlgorithm,
        thisUpdate: new Date("2034-12-31T00:00:00Z"),
        nextUpdate: new Date("2035-01-02T00:00:00Z"),
        crlNumber: 1,
        entries: [],
      });
      const crlFile = scratch.write(`crl-${algorithm}.pem`, crl.pem);
      const verified = opensslVerify(rootFile, leafFile, { crl: crlFile });
      expect(verified.code, verified.stderr + verified.stdout).toBe(0);
      // Root and CSR (each with its probe), the prepare probe, leaf and CRL: all in the key.
      expect(calls).toHaveLength(7);
    },
  );

  it("is refused when it is not the certificate's key, or does not sign with the key it claims", async () => {
    const { key } = await externalKey("EC_prime256v1");
    const other = await externalKey("EC_prime256v1");
    const rootPem = await createCertificate(
      certificateInput({
        subject: { commonName: "Mismatch root" },
        publicKeySpki: key.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: { selfSigned: { externalKey: key } },
        ca: { maxPathLength: -1 },
      }),
    );
    const mismatch = {
      name: "PkiError",
      field: "issuer",
      message: expect.stringContaining("does not match"),
    };
    expect(() =>
      prepareSigner({
        certificatePem: rootPem,
        externalKey: other.key,
        keyAlgorithm: "EC_prime256v1",
      }),
    ).toThrow(expect.objectContaining(mismatch));
    // Claims the certificate's public key, but signs with another private key.
    const liar: ExternalSigningKey = { ...other.key, publicKeySpki: key.publicKeySpki };
    expect(() =>
      prepareSigner({ certificatePem: rootPem, externalKey: liar, keyAlgorithm: "EC_prime256v1" }),
    ).toThrow(expect.objectContaining(mismatch));
    expect(() =>
      prepareSigner({ certificatePem: rootPem, externalKey: key, keyAlgorithm: "EC_secp384r1" }),
    ).toThrow(expect.objectContaining({ name: "PkiError", field: "issuer" }));
    await expect(
      createCertificate(
        certificateInput({
          subject: { commonName: "Liar root" },
          publicKeySpki: key.publicKeySpki,
          signatureAlgorithm: "ECDSA-SHA256",
          issuer: { selfSigned: { externalKey: liar } },
          ca: { maxPathLength: -1 },
        }),
      ),
    ).rejects.toMatchObject(mismatch);
  });

  it("ecdsaSignatureToDer makes minimal positive INTEGERs from raw halves", () => {
    const raw = Buffer.concat([Buffer.from([0x00, 0x00, 0x7f]), Buffer.from([0x80, 0x01, 0x02])]);
    expect(ecdsaSignatureToDer(raw).toString("hex")).toBe("30090201" + "7f" + "0204" + "00800102");
    expect(() => ecdsaSignatureToDer(Buffer.alloc(3))).toThrow(
      expect.objectContaining({ name: "PkiError" }),
    );
  });
});
