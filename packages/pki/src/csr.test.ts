import { afterAll, describe, expect, it } from "vitest";
import { type CsrInput, createCsr, parseCsr } from "./csr";
import { PkiError } from "./errors";
import { generateKeyPair } from "./keys";
import { decodePem, encodePem } from "./pem";
import { createScratch, openssl, opensslCsr, opensslOk } from "./testing/openssl";

const scratch = createScratch();
afterAll(() => scratch.remove());

async function csrInput(overrides: Partial<CsrInput> = {}): Promise<CsrInput> {
  const keys = await generateKeyPair("EC_secp384r1");
  return {
    subject: { commonName: "Issuing CA 1", organization: "Acme", ou: "PKI", country: "DE" },
    publicKeySpki: keys.publicKeySpki,
    privateKeyPkcs8: keys.privateKeyPkcs8,
    keyAlgorithm: keys.algorithm,
    signatureAlgorithm: "ECDSA-SHA384",
    ...overrides,
  };
}

describe("createCsr", () => {
  it("requests a CA certificate that openssl accepts", async () => {
    const pem = await createCsr({ ...(await csrInput()), ca: { maxPathLength: 2 } });
    expect(pem.startsWith("-----BEGIN CERTIFICATE REQUEST-----\n")).toBe(true);
    const output = opensslOk(["req", "-verify", "-noout", "-text"], pem);
    expect(output).toMatch(/Subject: ?C ?= ?DE, O ?= ?Acme, OU ?= ?PKI, CN ?= ?Issuing CA 1/);
    expect(output).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:2\n/);
    expect(output).toMatch(/X509v3 Key Usage: critical\s+[^\n]*Certificate Sign, CRL Sign\n/);
    expect(output).toContain("X509v3 Subject Key Identifier");
    expect(output).toContain("ecdsa-with-SHA384");
    const verified = openssl(["req", "-verify", "-noout"], pem);
    expect(verified.code).toBe(0);
    expect(verified.stderr + verified.stdout).toMatch(/verify OK/);
  });

  it("round-trips through parseCsr, for RSA too", async () => {
    const keys = await generateKeyPair("RSA_2048");
    const input = await csrInput({
      subject: {
        commonName: "api.example.com",
        organization: "Acme, Inc.",
        locality: "Zürich",
        province: "ZH",
      },
      publicKeySpki: keys.publicKeySpki,
      privateKeyPkcs8: keys.privateKeyPkcs8,
      keyAlgorithm: "RSA_2048",
      signatureAlgorithm: "RSA-SHA512",
      altNames: [
        { type: "dns_name", value: "api.example.com" },
        { type: "ip_address", value: "10.1.2.3" },
        { type: "ip_address", value: "fd00::53" },
        { type: "email", value: "api@example.com" },
        { type: "uri", value: "https://api.example.com/" },
      ],
    });
    const pem = await createCsr(input);
    opensslOk(["req", "-verify", "-noout"], pem);
    const parsed = await parseCsr(pem);
    expect(parsed.subject).toEqual(input.subject);
    expect(parsed.subjectString).toBe("CN=api.example.com, O=Acme\\, Inc., L=Zürich, ST=ZH");
    expect(parsed.altNames).toEqual(input.altNames);
    expect(parsed.keyAlgorithm).toBe("RSA_2048");
    expect(parsed.publicKeySpki.equals(keys.publicKeySpki)).toBe(true);
    expect(parsed.keyUsages).toEqual([]);
  });

  it("marks the SAN critical when the subject is empty", async () => {
    const pem = await createCsr(
      await csrInput({ subject: {}, altNames: [{ type: "dns_name", value: "x.example.com" }] }),
    );
    const output = opensslOk(["req", "-verify", "-noout", "-text"], pem);
    expect(output).toMatch(/X509v3 Subject Alternative Name: critical\s+DNS:x\.example\.com/);
  });

  it("refuses mismatched keys and algorithms", async () => {
    const other = await generateKeyPair("EC_secp384r1");
    await expect(
      createCsr(await csrInput({ privateKeyPkcs8: other.privateKeyPkcs8 })),
    ).rejects.toMatchObject({
      field: "privateKeyPkcs8",
    });
    await expect(
      createCsr(await csrInput({ signatureAlgorithm: "RSA-SHA256" })),
    ).rejects.toMatchObject({
      field: "signatureAlgorithm",
    });
    await expect(
      createCsr(await csrInput({ keyAlgorithm: "EC_prime256v1" })),
    ).rejects.toMatchObject({
      field: "keyAlgorithm",
    });
  });
});

describe("parseCsr", () => {
  it("parses a CSR made by openssl", async () => {
    const keyFile = scratch.path("openssl-csr.key");
    const csr = opensslCsr(
      keyFile,
      "/C=US/ST=California/L=San Francisco/O=Example Corp/OU=Web/CN=www.example.com",
      {
        extensions: [
          "subjectAltName=DNS:www.example.com,DNS:example.com,IP:203.0.113.7,email:web@example.com",
          "keyUsage=critical,digitalSignature",
          "extendedKeyUsage=serverAuth,1.2.3.4",
        ],
      },
    );
    const parsed = await parseCsr(csr);
    expect(parsed.subject).toEqual({
      country: "US",
      province: "California",
      locality: "San Francisco",
      organization: "Example Corp",
      ou: "Web",
      commonName: "www.example.com",
    });
    expect(parsed.subjectString).toBe(
      "CN=www.example.com, OU=Web, O=Example Corp, L=San Francisco, ST=California, C=US",
    );
    expect(parsed.keyAlgorithm).toBe("EC_prime256v1");
    expect(parsed.altNames).toEqual([
      { type: "dns_name", value: "www.example.com" },
      { type: "dns_name", value: "example.com" },
      { type: "ip_address", value: "203.0.113.7" },
      { type: "email", value: "web@example.com" },
    ]);
    expect(parsed.keyUsages).toEqual(["digital_signature"]);
    expect(parsed.extendedKeyUsages).toEqual(["server_auth"]);
    const publicKey = opensslOk(["pkey", "-in", keyFile, "-pubout", "-outform", "DER"]);
    expect(publicKey.length).toBeGreaterThan(0);
  });

  it("rejects a CSR whose signature bytes were flipped", async () => {
    const pem = await createCsr(await csrInput());
    const der = decodePem(pem, "CERTIFICATE REQUEST", "csr");
    const tampered = Buffer.from(der);
    const last = tampered.length - 5; // inside the signature, the last element
    tampered[last] = (tampered[last] as number) ^ 0xff;
    const tamperedPem = encodePem("CERTIFICATE REQUEST", tampered);
    // openssl agrees it is broken (OpenSSL 3.0 says so but still exits 0).
    const judged = openssl(["req", "-verify", "-noout"], tamperedPem);
    expect(judged.stdout + judged.stderr).toContain("verify failure");
    await expect(parseCsr(tamperedPem)).rejects.toThrow(/signature does not verify/);
    await expect(parseCsr(tamperedPem)).rejects.toMatchObject({ name: "PkiError", field: "csr" });
  });

  it("rejects a CSR whose subject was altered after signing", async () => {
    const pem = await createCsr(await csrInput({ subject: { commonName: "aaaa" } }));
    const der = decodePem(pem, "CERTIFICATE REQUEST", "csr");
    const at = der.indexOf(Buffer.from("aaaa"));
    Buffer.from("bbbb").copy(der, at);
    await expect(parseCsr(encodePem("CERTIFICATE REQUEST", der))).rejects.toMatchObject({
      field: "csr",
    });
  });

  it.each([
    ["an attribute certq does not issue", "/CN=x/emailAddress=x@example.com", /emailAddress/],
    ["a repeated attribute", "/OU=a/OU=b/CN=x", /more than once/],
    ["a control character", "/CN=a\x07b", /control characters/],
  ])("rejects a subject with %s", async (_, subject, message) => {
    const csr = opensslCsr(scratch.path("rejected.key"), subject);
    expect(csr).toContain("BEGIN CERTIFICATE REQUEST");
    const attempt = parseCsr(csr);
    await expect(attempt).rejects.toMatchObject({ field: "csr" });
    await expect(attempt).rejects.toThrow(message);
  });

  it("rejects unsupported keys and SAN types", async () => {
    const rsa1024 = opensslCsr(scratch.path("rsa1024.key"), "/CN=weak", { key: "rsa:1024" });
    await expect(parseCsr(rsa1024)).rejects.toThrow(/unsupported public key/);
    const ed25519 = opensslCsr(scratch.path("ed.key"), "/CN=edwards", { key: "ed25519" });
    await expect(parseCsr(ed25519)).rejects.toMatchObject({ field: "csr" });
    const otherName = opensslCsr(scratch.path("other.key"), "/CN=x", {
      extensions: ["subjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;UTF8:x@example.com"],
    });
    await expect(parseCsr(otherName)).rejects.toThrow(/otherName/);
  });

  it("rejects input that is not a CSR", async () => {
    for (const pem of [
      "",
      "hello",
      "-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----",
    ]) {
      await expect(parseCsr(pem)).rejects.toBeInstanceOf(PkiError);
      await expect(parseCsr(pem)).rejects.toMatchObject({ field: "csr" });
    }
    const garbage = encodePem("CERTIFICATE REQUEST", Buffer.from("30030201ff", "hex"));
    await expect(parseCsr(garbage)).rejects.toMatchObject({ field: "csr" });
  });
});
