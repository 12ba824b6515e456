import type { KeyObject } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { KeyAlgorithm, SignatureAlgorithm } from "./algorithms";
import { type CertificateInput, createCertificate } from "./certificate";
import { parseCertificate } from "./certificate-info";
import { createCrl } from "./crl";
import { generateKeyPair } from "./keys";
import { createOcspResponse, parseOcspRequest } from "./ocsp";
import { generateSerialNumber } from "./serial-number";
import { type PreparedSigner, prepareSigner } from "./signer";
import { certificateInput, makeCa } from "./testing/fixtures";
import {
  createScratch,
  openssl,
  opensslOk,
  opensslRoot,
  opensslVerify,
  VERIFY_AT,
} from "./testing/openssl";

const scratch = createScratch();
afterAll(() => scratch.remove());

const AT = new Date(Number(VERIFY_AT) * 1000);
const DAY_MS = 24 * 60 * 60 * 1000;

function rootCa(
  keyAlgorithm: KeyAlgorithm,
  signatureAlgorithm: SignatureAlgorithm,
  maxPathLength = -1,
) {
  return makeCa(scratch, `Prepared Root ${keyAlgorithm} ${maxPathLength}`, keyAlgorithm, {
    signatureAlgorithm,
    maxPathLength,
  });
}

async function leafInput(
  issuer: CertificateInput["issuer"],
  signatureAlgorithm: SignatureAlgorithm,
): Promise<CertificateInput> {
  const keys = await generateKeyPair("EC_prime256v1");
  return certificateInput({
    subject: { commonName: "prepared.example.com" },
    publicKeySpki: keys.publicKeySpki,
    signatureAlgorithm,
    issuer,
  });
}

describe.each([
  ["EC_prime256v1", "ECDSA-SHA256"],
  ["RSA_2048", "RSA-SHA384"],
] as const)("a prepared %s signer", (keyAlgorithm, signatureAlgorithm) => {
  const fixture = (async () => {
    const root = await rootCa(keyAlgorithm, signatureAlgorithm);
    return { file: root.file, signer: prepareSigner(root.signer) };
  })();

  it("signs many certificates that openssl verifies", async () => {
    const { signer, file } = await fixture;
    for (let i = 0; i < 3; i++) {
      const pem = await createCertificate(await leafInput(signer, signatureAlgorithm));
      const result = opensslVerify(
        file,
        scratch.write(`prepared-leaf-${keyAlgorithm}-${i}.pem`, pem),
      );
      expect(result.code, result.stderr + result.stdout).toBe(0);
    }
  });

  it("signs a CRL that openssl verifies", async () => {
    const { signer, file } = await fixture;
    const { pem } = await createCrl({
      issuer: signer,
      signatureAlgorithm,
      thisUpdate: new Date(AT.getTime() - DAY_MS),
      nextUpdate: new Date(AT.getTime() + DAY_MS),
      crlNumber: 1,
      entries: [{ serialNumber: generateSerialNumber(), revokedAt: AT, reason: "KEY_COMPROMISE" }],
    });
    const crlFile = scratch.write(`prepared-${keyAlgorithm}.crl`, pem);
    const result = openssl(["crl", "-in", crlFile, "-CAfile", file, "-noout"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr + result.stdout).toContain("verify OK");
  });

  it("signs an OCSP response that openssl verifies", async () => {
    const { signer, file } = await fixture;
    const leafPem = await createCertificate(await leafInput(signer, signatureAlgorithm));
    const leafFile = scratch.write(`prepared-ocsp-leaf-${keyAlgorithm}.pem`, leafPem);
    const requestFile = scratch.path(`prepared-${keyAlgorithm}.req`);
    opensslOk(["ocsp", "-no_nonce", "-issuer", file, "-cert", leafFile, "-reqout", requestFile]);
    const request = parseOcspRequest(scratch.read(`prepared-${keyAlgorithm}.req`));
    // openssl checks the status times against the real clock, whatever -attime says.
    const now = new Date();
    const response = await createOcspResponse({
      signer,
      signatureAlgorithm,
      producedAt: now,
      responses: request.requests.map((entry) => ({
        request: entry,
        status: { kind: "good" },
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + DAY_MS),
      })),
    });
    const result = openssl([
      "ocsp",
      "-no_nonce",
      "-respin",
      scratch.write(`prepared-${keyAlgorithm}.resp`, response),
      "-issuer",
      file,
      "-CAfile",
      file,
      "-cert",
      leafFile,
      "-attime",
      VERIFY_AT,
    ]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout + result.stderr).toContain("Response verify OK");
    expect(result.stdout).toContain(`${leafFile}: good\n`);
  });
});

describe("prepareSigner", () => {
  const fixture = rootCa("EC_prime256v1", "ECDSA-SHA256");

  it("returns a frozen signer, the same for the same input", async () => {
    const { signer: input, keys } = await fixture;
    const a = prepareSigner(input);
    const b = prepareSigner({ ...input, privateKeyPkcs8: Buffer.from(input.privateKeyPkcs8) });
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.keyUsages)).toBe(true);
    expect(() => {
      (a as { isCa: boolean }).isCa = false;
    }).toThrow(TypeError);
    const { key: keyA, ...restA } = a;
    const { key: keyB, ...restB } = b;
    expect(restA).toEqual(restB);
    expect((keyA as KeyObject).equals(keyB as KeyObject)).toBe(true);
    const info = parseCertificate(input.certificatePem);
    expect(a).toMatchObject({
      keyAlgorithm: "EC_prime256v1",
      isCa: true,
      maxPathLength: -1,
      keyUsages: ["digital_signature", "key_cert_sign", "crl_sign"],
      publicKeySpki: keys.publicKeySpki,
    });
    expect(a.keyIdentifier.toString("hex")).toBe(info.subjectKeyId);
  });

  it("checks the key against the certificate once, naming the field", async () => {
    const { signer: input } = await fixture;
    const stranger = await generateKeyPair("EC_prime256v1");
    expect(() => prepareSigner({ ...input, privateKeyPkcs8: stranger.privateKeyPkcs8 })).toThrow(
      expect.objectContaining({
        name: "PkiError",
        field: "issuer",
        message: "the issuer's private key does not match its certificate",
      }),
    );
    expect(() => prepareSigner({ ...input, keyAlgorithm: "RSA_2048" }, "signer")).toThrow(
      expect.objectContaining({
        field: "signer",
        message: "the signing key is EC_prime256v1, not RSA_2048",
      }),
    );
    expect(() => prepareSigner({ ...input, certificatePem: "junk" })).toThrow(
      expect.objectContaining({ name: "PkiError", field: "issuer" }),
    );
    expect(() => prepareSigner({ ...input, privateKeyPkcs8: Buffer.from("junk") })).toThrow(
      expect.objectContaining({
        field: "issuer",
        message: "private key is not a valid DER PKCS#8 key",
      }),
    );
  });

  it("leaves each duty to be checked at use", async () => {
    const { signer: input } = await fixture;
    const leafKeys = await generateKeyPair("EC_prime256v1");
    // A leaf prepares (its key matches), but signs nothing.
    const leafSigner = prepareSigner({
      certificatePem: await createCertificate({
        ...(await leafInput(input, "ECDSA-SHA256")),
        publicKeySpki: leafKeys.publicKeySpki,
      }),
      privateKeyPkcs8: leafKeys.privateKeyPkcs8,
      keyAlgorithm: "EC_prime256v1",
    });
    await expect(
      createCertificate(await leafInput(leafSigner, "ECDSA-SHA256")),
    ).rejects.toMatchObject({
      field: "issuer",
      message:
        "the issuer certificate is not a CA allowed to sign certificates (needs CA:TRUE and keyCertSign)",
    });
    const crl = {
      signatureAlgorithm: "ECDSA-SHA256" as const,
      thisUpdate: AT,
      nextUpdate: new Date(AT.getTime() + DAY_MS),
      crlNumber: 1,
      entries: [],
    };
    await expect(createCrl({ ...crl, issuer: leafSigner })).rejects.toMatchObject({
      field: "issuer",
    });
    await expect(
      createOcspResponse({
        signer: leafSigner,
        signatureAlgorithm: "ECDSA-SHA256",
        producedAt: AT,
        responses: [],
      }),
    ).rejects.toMatchObject({ field: "signer", message: expect.stringContaining("not a CA") });

    // keyCertSign without cRLSign: certificates yes, CRLs no; and the other way round. Our
    // roots always have both, so these come from openssl.
    const certifier = prepareSigner(
      opensslRoot(scratch.dir, "Certifier Only", { keyUsage: "keyCertSign" }),
    );
    await expect(createCertificate(await leafInput(certifier, "ECDSA-SHA256"))).resolves.toContain(
      "BEGIN CERTIFICATE",
    );
    await expect(createCrl({ ...crl, issuer: certifier })).rejects.toMatchObject({
      field: "issuer",
      message:
        "the issuer certificate is not a CA allowed to sign CRLs (needs CA:TRUE and cRLSign)",
    });
    const crlSigner = prepareSigner(
      opensslRoot(scratch.dir, "CRL Signer Only", { keyUsage: "cRLSign" }),
    );
    await expect(createCrl({ ...crl, issuer: crlSigner })).resolves.toHaveProperty("pem");
    await expect(
      createCertificate(await leafInput(crlSigner, "ECDSA-SHA256")),
    ).rejects.toMatchObject({ field: "issuer" });
  });

  it("keeps pathLen 0 from issuing CA certificates", async () => {
    const { signer: input } = await rootCa("EC_prime256v1", "ECDSA-SHA256", 0);
    const signer = prepareSigner(input);
    const leaf = await leafInput(signer, "ECDSA-SHA256");
    await expect(createCertificate(leaf)).resolves.toContain("BEGIN CERTIFICATE");
    await expect(
      createCertificate({ ...leaf, subject: { commonName: "Sub CA" }, ca: { maxPathLength: -1 } }),
    ).rejects.toMatchObject({ field: "ca" });
  });

  it("checks the signature algorithm against the prepared key", async () => {
    const signer = prepareSigner((await fixture).signer);
    await expect(createCertificate(await leafInput(signer, "RSA-SHA256"))).rejects.toMatchObject({
      field: "signatureAlgorithm",
    });
  });

  it("does not take a look-alike object for a prepared signer", async () => {
    const signer = prepareSigner((await fixture).signer);
    const lookAlike = { ...signer } as PreparedSigner;
    await expect(
      createCertificate(await leafInput(lookAlike, "ECDSA-SHA256")),
    ).rejects.toMatchObject({ name: "PkiError", field: "issuer" });
  });

  it("as a SignerInput, still complains about the duty before the key", async () => {
    const { signer: input } = await fixture;
    const leafPem = await createCertificate(await leafInput(input, "ECDSA-SHA256"));
    const stranger = await generateKeyPair("EC_prime256v1");
    await expect(
      createCertificate(
        await leafInput(
          {
            certificatePem: leafPem,
            privateKeyPkcs8: stranger.privateKeyPkcs8,
            keyAlgorithm: "EC_prime256v1",
          },
          "ECDSA-SHA256",
        ),
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining("is not a CA allowed to sign") });
  });
});
