import { afterAll, describe, expect, it } from "vitest";
import { KEY_ALGORITHMS, type KeyAlgorithm, type SignatureAlgorithm } from "./algorithms";
import { type CertificateInput, createCertificate } from "./certificate";
import { parseCertificate } from "./certificate-info";
import { readCertificate } from "./certificate-parts";
import { PkiError } from "./errors";
import { generateKeyPair, privateKeyPem } from "./keys";
import type { SubjectInput } from "./names";
import { decodePem } from "./pem";
import { generateSerialNumber } from "./serial-number";
import { prepareSigner } from "./signer";
import {
  altNamesOfEveryType,
  certificateInput,
  makeCa,
  makeRoot,
  selfSignedBy,
  signerInput,
  type TestCa,
} from "./testing/fixtures";
import {
  createScratch,
  NOT_BEFORE,
  opensslOk,
  opensslRoot,
  opensslVerify,
  x509Text,
} from "./testing/openssl";
import { EXTENDED_KEY_USAGES, type ExtendedKeyUsage, KEY_USAGES, type KeyUsage } from "./usages";

const scratch = createScratch();
afterAll(() => scratch.remove());

// Our roots here are all "CN=<name>, O=Acme", as the root test below reads back.
function acme(commonName: string): SubjectInput {
  return { commonName, organization: "Acme" };
}

describe("self-signed root CAs", () => {
  describe.each(KEY_ALGORITHMS)("%s", (algorithm: KeyAlgorithm) => {
    it.each([1, -1])(
      "maxPathLength %i: openssl verifies it and sees a critical CA",
      async (pathLength) => {
        const { pem } = await makeRoot(algorithm, {
          subject: acme(`Root ${algorithm}`),
          maxPathLength: pathLength,
        });
        const file = scratch.write(`root-${algorithm}-${pathLength}.pem`, pem);

        const result = opensslVerify(file, file);
        expect(result.code, result.stderr + result.stdout).toBe(0);
        expect(result.stdout).toContain(": OK");

        const output = x509Text(pem);
        expect(output).toContain("Version: 3 (0x2)");
        expect(output).toMatch(
          pathLength === 1
            ? /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1\n/
            : /X509v3 Basic Constraints: critical\s+CA:TRUE\n/,
        );
        expect(output).toMatch(
          /X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign\n/,
        );
        expect(output).toMatch(
          /X509v3 Subject Key Identifier: ?\s+[0-9A-F]{2}(:[0-9A-F]{2}){19}\n/,
        );
        expect(output).not.toContain("Extended Key Usage");

        const info = parseCertificate(pem);
        expect(info).toMatchObject({
          isCa: true,
          maxPathLength: pathLength,
          selfSigned: true,
          keyAlgorithm: algorithm,
          subjectString: `CN=Root ${algorithm}, O=Acme`,
        });
        // openssl's own SKI (RFC 5280 method 1) matches ours.
        const ski = output.match(/Subject Key Identifier: ?\s+([0-9A-F:]+)\n/)?.[1];
        expect(ski?.replace(/:/g, "").toLowerCase()).toBe(info.subjectKeyId);
      },
    );
  });
});

describe("a root -> intermediate -> leaf chain across key families", () => {
  it("passes openssl verify and carries what was asked for", async () => {
    const interKeys = await generateKeyPair("EC_secp384r1");
    const leafKeys = await generateKeyPair("RSA_2048");
    const root = await makeRoot("RSA_2048", { subject: acme("Mixed Root"), maxPathLength: 1 });
    const inter = await createCertificate(
      certificateInput({
        subject: { commonName: "Mixed Intermediate", organization: "Acme", country: "US" },
        publicKeySpki: interKeys.publicKeySpki,
        signatureAlgorithm: "RSA-SHA256",
        issuer: root.signer,
        ca: { maxPathLength: 0 },
      }),
    );
    const leaf = await createCertificate(
      certificateInput({
        subject: { commonName: "service.example.com" },
        publicKeySpki: leafKeys.publicKeySpki,
        notAfter: new Date("2036-01-01T00:00:00Z"),
        signatureAlgorithm: "ECDSA-SHA384",
        issuer: signerInput(inter, interKeys),
        keyUsages: ["digital_signature", "key_encipherment"],
        extendedKeyUsages: ["server_auth", "client_auth"],
        altNames: altNamesOfEveryType(),
      }),
    );
    const rootFile = scratch.write("mixed-root.pem", root.pem);
    const interFile = scratch.write("mixed-inter.pem", inter);
    const leafFile = scratch.write("mixed-leaf.pem", leaf);

    const result = opensslVerify(rootFile, leafFile, { untrusted: interFile });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain("mixed-leaf.pem: OK");
    // Without the intermediate there is no path: verify really checks the chain.
    expect(opensslVerify(rootFile, leafFile).code).not.toBe(0);

    const interText = x509Text(inter);
    expect(interText).toMatch(/CA:TRUE, pathlen:0/);
    expect(interText).toContain("Signature Algorithm: sha256WithRSAEncryption");
    expect(interText).toContain("NIST CURVE: P-384");

    const output = x509Text(leaf);
    expect(output).toContain("Signature Algorithm: ecdsa-with-SHA384");
    expect(output).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
    expect(output).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    expect(output).toMatch(
      /X509v3 Extended Key Usage: ?\n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/,
    );
    expect(output).toMatch(/X509v3 Subject Alternative Name: ?\n/); // not critical: CN present
    for (const name of [
      "DNS:service.example.com",
      "DNS:*.service.example.com",
      "IP Address:192.0.2.10",
      "IP Address:2001:DB8:0:0:0:0:0:1",
      "email:ops@example.com",
      "URI:spiffe://example.com/service",
    ]) {
      expect(output).toContain(name);
    }
    const interSki = x509Text(inter).match(/Subject Key Identifier: ?\s+([0-9A-F:]+)\n/)?.[1];
    expect(interSki).toBeTruthy();
    expect(output).toMatch(
      new RegExp(`X509v3 Authority Key Identifier: ?\\s+(keyid:)?${interSki}\\n`),
    );

    // The leaf's key, as openssl reads privateKeyPem, is the key in the certificate.
    const keyFile = scratch.write("mixed-leaf.key", privateKeyPem(leafKeys.privateKeyPkcs8));
    const fromKey = opensslOk(["pkey", "-in", keyFile, "-pubout"]);
    const fromCert = opensslOk(["x509", "-in", leafFile, "-noout", "-pubkey"]);
    expect(fromKey).toContain("BEGIN PUBLIC KEY");
    expect(fromKey).toBe(fromCert);

    const info = parseCertificate(leaf);
    expect(info.altNames).toEqual(altNamesOfEveryType());
    expect(info.authorityKeyId).toBe(parseCertificate(inter).subjectKeyId);
    expect(info.isCa).toBe(false);
    expect(info.selfSigned).toBe(false);
    expect(info.notAfter.toISOString()).toBe("2036-01-01T00:00:00.000Z");
  });
});

/** A P-256 CA in a scratch file and the input of a leaf under it, for a test to vary. */
async function leafUnderCa(caName: string, leafCommonName: string) {
  const ca = await makeCa(scratch, caName, "EC_prime256v1", { subject: acme(caName) });
  const leafKeys = await generateKeyPair("EC_prime256v1");
  const base = certificateInput({
    subject: { commonName: leafCommonName },
    publicKeySpki: leafKeys.publicKeySpki,
    signatureAlgorithm: "ECDSA-SHA256",
    issuer: ca.signer,
  });
  return { ca, leafKeys, base };
}

/** The certificate for `input`, as openssl prints it and as openssl verify judges it under `ca`. */
async function issueAndCheck(ca: TestCa, input: CertificateInput) {
  const pem = await createCertificate(input);
  const file = scratch.write(`checked-${generateSerialNumber()}.pem`, pem);
  return { pem, output: x509Text(pem), verified: opensslVerify(ca.file, file) };
}

describe("leaf certificates", () => {
  const fixture = leafUnderCa("Leaf Test CA", "leaf.example.com");

  it("marks the SAN critical when the subject is empty, and openssl still verifies it", async () => {
    const { base, ca } = await fixture;
    const { output, verified } = await issueAndCheck(ca, {
      ...base,
      subject: {},
      altNames: [{ type: "dns_name", value: "only-san.example.com" }],
    });
    expect(output).toMatch(/Subject: ?\n/);
    expect(output).toMatch(
      /X509v3 Subject Alternative Name: critical\s+DNS:only-san\.example\.com/,
    );
    expect(verified.code, verified.stderr).toBe(0);
  });

  it("copies the serial number exactly", async () => {
    const { base } = await fixture;
    const serialNumber = generateSerialNumber();
    const pem = await createCertificate({ ...base, serialNumber });
    const output = opensslOk(["x509", "-noout", "-serial"], pem);
    expect(output.trim()).toBe(`serial=${serialNumber.toUpperCase()}`);
    expect(parseCertificate(pem).serialNumber).toBe(serialNumber);
  });

  it("refuses a signature algorithm that does not fit the issuer's key", async () => {
    const root = await makeRoot("RSA_2048", { subject: acme("RSA Root") });
    const { base } = await fixture;
    const attempt = createCertificate({
      ...base,
      signatureAlgorithm: "ECDSA-SHA256",
      issuer: root.signer,
    });
    await expect(attempt).rejects.toThrow(PkiError);
    await expect(attempt).rejects.toMatchObject({ field: "signatureAlgorithm" });
    // For a self-signed certificate the subject's own key decides.
    await expect(
      createCertificate({
        ...base,
        publicKeySpki: root.keys.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: selfSignedBy(root.keys),
      }),
    ).rejects.toMatchObject({ field: "signatureAlgorithm" });
  });

  it("refuses notAfter <= notBefore", async () => {
    const { base } = await fixture;
    await expect(createCertificate({ ...base, notAfter: NOT_BEFORE })).rejects.toMatchObject({
      name: "PkiError",
      field: "notAfter",
    });
    await expect(
      createCertificate({ ...base, notAfter: new Date(NOT_BEFORE.getTime() - 1000) }),
    ).rejects.toMatchObject({ field: "notAfter" });
  });

  it("refuses a subject with no attribute and no alternative name", async () => {
    const { base } = await fixture;
    await expect(createCertificate({ ...base, subject: {} })).rejects.toMatchObject({
      field: "subject",
    });
    await expect(
      createCertificate({ ...base, subject: { commonName: "", organization: undefined } }),
    ).rejects.toMatchObject({ field: "subject" });
  });

  it("refuses an issuer certificate that is not a CA", async () => {
    const { base, leafKeys } = await fixture;
    const leaf = await createCertificate(base);
    const otherKeys = await generateKeyPair("EC_prime256v1");
    await expect(
      createCertificate({
        ...base,
        publicKeySpki: otherKeys.publicKeySpki,
        issuer: signerInput(leaf, leafKeys),
      }),
    ).rejects.toMatchObject({ name: "PkiError", field: "issuer" });
  });

  it("refuses an issuer key that does not belong to the issuer certificate", async () => {
    const { base, ca } = await fixture;
    const strangerKeys = await generateKeyPair("EC_prime256v1");
    await expect(
      createCertificate({ ...base, issuer: signerInput(ca.pem, strangerKeys) }),
    ).rejects.toMatchObject({
      field: "issuer",
    });
  });

  it("refuses invalid alternative names, unknown usages and keyCertSign on a leaf", async () => {
    const { base } = await fixture;
    await expect(
      createCertificate({ ...base, altNames: [{ type: "dns_name", value: "bad name.example" }] }),
    ).rejects.toMatchObject({ field: "altNames" });
    await expect(
      createCertificate({ ...base, keyUsages: ["key_cert_sign"] }),
    ).rejects.toMatchObject({ field: "keyUsages" });
    await expect(
      createCertificate({ ...base, extendedKeyUsages: ["bogus" as "server_auth"] }),
    ).rejects.toMatchObject({ field: "extendedKeyUsages" });
  });

  it("refuses serial numbers that would not read back unchanged", async () => {
    const { base } = await fixture;
    for (const serialNumber of ["", "00", "0001", "80aa", "abc", "zz", "01".repeat(21)]) {
      await expect(createCertificate({ ...base, serialNumber })).rejects.toMatchObject({
        field: "serialNumber",
      });
    }
  });

  it("refuses a CA certificate under an issuer with pathLen 0", async () => {
    const root = await makeRoot("EC_prime256v1", {
      subject: acme("Path Zero Root"),
      maxPathLength: 0,
    });
    const subKeys = await generateKeyPair("EC_prime256v1");
    await expect(
      createCertificate(
        certificateInput({
          subject: { commonName: "Too Deep" },
          publicKeySpki: subKeys.publicKeySpki,
          signatureAlgorithm: "ECDSA-SHA256",
          issuer: root.signer,
          ca: { maxPathLength: -1 },
        }),
      ),
    ).rejects.toMatchObject({ field: "ca" });
  });
});

describe("distinguished name injection", () => {
  it.each([
    ["evil, O=Injected", "CN=evil\\, O=Injected"],
    ["a+OU=b", "CN=a\\+OU=b"],
    ['"quoted"; #x', 'CN=\\"quoted\\"\\; #x'],
    ["#hash", "CN=\\#hash"],
    ["back\\slash", "CN=back\\\\slash"],
  ])("%j stays one literal CN", async (commonName, expected) => {
    const keys = await generateKeyPair("EC_prime256v1");
    const pem = await createCertificate(
      certificateInput({
        subject: { commonName },
        publicKeySpki: keys.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: selfSignedBy(keys),
      }),
    );
    const rfc2253 = opensslOk(["x509", "-noout", "-subject", "-nameopt", "RFC2253"], pem);
    expect(rfc2253.trim()).toBe(`subject=${expected}`);
    // One attribute, one line, whatever the value holds.
    const lines = opensslOk(["x509", "-noout", "-subject", "-nameopt", "multiline,-esc_msb"], pem)
      .trim()
      .split("\n")
      .slice(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.trim().startsWith("commonName")).toBe(true);
    expect(parseCertificate(pem).subject).toEqual({ commonName });
  });

  it("rejects control characters, overlong values and a bad country before signing", async () => {
    const keys = await generateKeyPair("EC_prime256v1");
    const input = (subject: CertificateInput["subject"]): CertificateInput =>
      certificateInput({
        subject,
        publicKeySpki: keys.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: selfSignedBy(keys),
      });
    await expect(createCertificate(input({ commonName: "a\nO=x" }))).rejects.toMatchObject({
      field: "commonName",
    });
    await expect(createCertificate(input({ commonName: "x".repeat(65) }))).rejects.toMatchObject({
      field: "commonName",
    });
    await expect(
      createCertificate(input({ commonName: "x", country: "USA" })),
    ).rejects.toMatchObject({
      field: "country",
    });
  });
});

describe("issuer names", () => {
  it("copies an external CA's subject byte for byte, whatever its string types", async () => {
    // A root made by openssl, with IA5String (DC, emailAddress) and a multi-valued RDN.
    const root = opensslRoot(scratch.dir, "external-root", {
      subject: "/DC=org/DC=example/O=Example+OU=PKI/CN=External Root/emailAddress=pki@example.org",
    });
    const rootPem = root.certificatePem;
    const leafKeys = await generateKeyPair("RSA_3072");
    const leaf = await createCertificate(
      certificateInput({
        subject: { commonName: "under-external" },
        publicKeySpki: leafKeys.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA512",
        issuer: root,
      }),
    );
    const issuerDer = readCertificate(decodePem(leaf, "CERTIFICATE", "leaf")).issuer;
    const rootSubjectDer = readCertificate(decodePem(rootPem, "CERTIFICATE", "root")).subject;
    expect(issuerDer.equals(rootSubjectDer)).toBe(true);
    const result = opensslVerify(root.certificateFile, scratch.write("under-external.pem", leaf));
    expect(result.code, result.stderr).toBe(0);
    expect(parseCertificate(leaf).issuerString).toBe(
      "emailAddress=pki@example.org, CN=External Root, OU=PKI+O=Example, DC=example, DC=org",
    );
  });
});

describe("revocation pointers", () => {
  const fixture = leafUnderCa("Pointer CA", "pointed.example.com");

  it("writes CRL Distribution Points and AIA that openssl reads, and still verifies", async () => {
    const { base, ca } = await fixture;
    const { pem, output, verified } = await issueAndCheck(ca, {
      ...base,
      crlDistributionPointUrl: "http://pki.example.com/crl/ca-1.crl",
      authorityInfoAccess: {
        caIssuersUrl: "http://pki.example.com/ca/ca-1.der",
        ocspUrl: "http://pki.example.com/ocsp",
      },
    });
    expect(output).toMatch(
      /X509v3 CRL Distribution Points: ?\n\s+Full Name:\n\s+URI:http:\/\/pki\.example\.com\/crl\/ca-1\.crl\n/,
    );
    expect(output).toMatch(/Authority Information Access: ?\n/);
    expect(output).toContain("CA Issuers - URI:http://pki.example.com/ca/ca-1.der");
    expect(output).toContain("OCSP - URI:http://pki.example.com/ocsp");
    // Neither is critical: clients that ignore them must still accept the certificate.
    expect(output).not.toMatch(/(CRL Distribution Points|Authority Information Access): critical/);
    expect(opensslOk(["x509", "-noout", "-ocsp_uri"], pem).trim()).toBe(
      "http://pki.example.com/ocsp",
    );
    expect(verified.code, verified.stderr).toBe(0);
  });

  it("writes only the access methods given, and nothing when none is", async () => {
    const { base } = await fixture;
    const ocspOnly = x509Text(
      await createCertificate({ ...base, authorityInfoAccess: { ocspUrl: "http://ocsp.test" } }),
    );
    expect(ocspOnly).toContain("OCSP - URI:http://ocsp.test");
    expect(ocspOnly).not.toContain("CA Issuers");
    expect(ocspOnly).not.toContain("CRL Distribution Points");

    for (const input of [base, { ...base, authorityInfoAccess: {} }]) {
      const output = x509Text(await createCertificate(input));
      expect(output).not.toContain("Authority Information Access");
      expect(output).not.toContain("CRL Distribution Points");
    }
  });

  it("puts them on CA certificates too", async () => {
    const keys = await generateKeyPair("RSA_2048");
    const pem = await createCertificate(
      certificateInput({
        subject: { commonName: "Pointed Root" },
        publicKeySpki: keys.publicKeySpki,
        signatureAlgorithm: "RSA-SHA256",
        issuer: selfSignedBy(keys),
        ca: { maxPathLength: 0 },
        crlDistributionPointUrl:
          "ldap://ldap.example.com/cn=Pointed%20Root?certificateRevocationList",
        authorityInfoAccess: { caIssuersUrl: "http://pki.example.com/root.der" },
      }),
    );
    const output = x509Text(pem);
    expect(output).toContain(
      "URI:ldap://ldap.example.com/cn=Pointed%20Root?certificateRevocationList",
    );
    expect(output).toContain("CA Issuers - URI:http://pki.example.com/root.der");
  });

  it("refuses URLs that are not absolute ASCII URIs", async () => {
    const { base } = await fixture;
    for (const url of ["", "not a url", "/relative/path", "http://bücher.example/crl"]) {
      await expect(
        createCertificate({ ...base, crlDistributionPointUrl: url }),
      ).rejects.toMatchObject({ name: "PkiError", field: "crlDistributionPointUrl" });
      await expect(
        createCertificate({ ...base, authorityInfoAccess: { ocspUrl: url } }),
      ).rejects.toMatchObject({ name: "PkiError", field: "authorityInfoAccess" });
      await expect(
        createCertificate({ ...base, authorityInfoAccess: { caIssuersUrl: url } }),
      ).rejects.toMatchObject({ field: "authorityInfoAccess" });
    }
  });
});

describe("every extension variant, as openssl reads and verifies it", () => {
  const OPENSSL_KEY_USAGES: Record<KeyUsage, string> = {
    digital_signature: "Digital Signature",
    non_repudiation: "Non Repudiation",
    key_encipherment: "Key Encipherment",
    data_encipherment: "Data Encipherment",
    key_agreement: "Key Agreement",
    key_cert_sign: "Certificate Sign",
    crl_sign: "CRL Sign",
    encipher_only: "Encipher Only",
    decipher_only: "Decipher Only",
  };
  const OPENSSL_EXTENDED_KEY_USAGES: Record<ExtendedKeyUsage, string> = {
    server_auth: "TLS Web Server Authentication",
    client_auth: "TLS Web Client Authentication",
    code_signing: "Code Signing",
    email_protection: "E-mail Protection",
    time_stamping: "Time Stamping",
    ocsp_signing: "OCSP Signing",
  };
  const OPENSSL_SIGNATURES: Record<SignatureAlgorithm, string> = {
    "RSA-SHA256": "sha256WithRSAEncryption",
    "RSA-SHA384": "sha384WithRSAEncryption",
    "RSA-SHA512": "sha512WithRSAEncryption",
    "ECDSA-SHA256": "ecdsa-with-SHA256",
    "ECDSA-SHA384": "ecdsa-with-SHA384",
    "ECDSA-SHA512": "ecdsa-with-SHA512",
  };
  const LEAF_KEY_USAGES = KEY_USAGES.filter((usage) => usage !== "key_cert_sign");

  const issuers = new Map<KeyAlgorithm, Promise<TestCa>>();
  function issuerFor(algorithm: KeyAlgorithm) {
    let issuer = issuers.get(algorithm);
    if (!issuer) {
      const name = `Variant Root ${algorithm}`;
      issuer = makeCa(scratch, name, algorithm, { subject: acme(name) });
      issuers.set(algorithm, issuer);
    }
    return issuer;
  }

  async function leaf(
    issuerAlgorithm: KeyAlgorithm,
    overrides: Partial<CertificateInput>,
    prepared = false,
  ) {
    const issuer = await issuerFor(issuerAlgorithm);
    const keys = await generateKeyPair("EC_prime256v1");
    return issueAndCheck(
      issuer,
      certificateInput({
        subject: { commonName: "variant.example.com" },
        publicKeySpki: keys.publicKeySpki,
        signatureAlgorithm: issuer.signatureAlgorithm,
        issuer: prepared ? prepareSigner(issuer.signer) : issuer.signer,
        ...overrides,
      }),
    );
  }

  it.each([
    ["RSA_2048", "RSA-SHA256"],
    ["RSA_2048", "RSA-SHA384"],
    ["RSA_2048", "RSA-SHA512"],
    ["EC_prime256v1", "ECDSA-SHA256"],
    ["EC_prime256v1", "ECDSA-SHA384"],
    ["EC_prime256v1", "ECDSA-SHA512"],
    ["EC_secp384r1", "ECDSA-SHA384"],
    ["EC_secp521r1", "ECDSA-SHA512"],
  ] as const)(
    "%s issuer signing %s, every extension at once",
    async (issuerAlgorithm, signature) => {
      for (const prepared of [false, true]) {
        const { output, verified } = await leaf(
          issuerAlgorithm,
          {
            signatureAlgorithm: signature,
            keyUsages: LEAF_KEY_USAGES,
            extendedKeyUsages: [...EXTENDED_KEY_USAGES],
            altNames: [
              { type: "dns_name", value: "variant.example.com" },
              { type: "ip_address", value: "198.51.100.7" },
              { type: "email", value: "pki@example.com" },
              { type: "uri", value: "https://example.com/id" },
            ],
            crlDistributionPointUrl: "http://pki.example.com/variant.crl",
            authorityInfoAccess: {
              caIssuersUrl: "http://pki.example.com/variant.der",
              ocspUrl: "http://pki.example.com/ocsp",
            },
          },
          prepared,
        );
        expect(verified.code, verified.stderr + verified.stdout).toBe(0);
        expect(output).toContain(`Signature Algorithm: ${OPENSSL_SIGNATURES[signature]}`);
        expect(output).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
        expect(output).toMatch(
          new RegExp(
            `X509v3 Key Usage: critical\\s+${LEAF_KEY_USAGES.map((usage) => OPENSSL_KEY_USAGES[usage]).join(", ")}\\n`,
          ),
        );
        expect(output).toMatch(
          new RegExp(
            `X509v3 Extended Key Usage: ?\\n\\s+${EXTENDED_KEY_USAGES.map((usage) => OPENSSL_EXTENDED_KEY_USAGES[usage]).join(", ")}\\n`,
          ),
        );
        expect(output).toMatch(
          /X509v3 Subject Alternative Name: ?\n\s+DNS:variant\.example\.com, IP Address:198\.51\.100\.7, email:pki@example\.com, URI:https:\/\/example\.com\/id\n/,
        );
        expect(output).toContain("URI:http://pki.example.com/variant.crl");
        expect(output).toMatch(
          /Authority Information Access: ?\n\s+OCSP - URI:http:\/\/pki\.example\.com\/ocsp\n\s+CA Issuers - URI:http:\/\/pki\.example\.com\/variant\.der\n/,
        );
      }
    },
  );

  it.each(LEAF_KEY_USAGES)("KeyUsage %s alone", async (usage) => {
    const { output, verified } = await leaf("EC_prime256v1", { keyUsages: [usage] });
    expect(verified.code, verified.stderr).toBe(0);
    expect(output).toMatch(
      new RegExp(`X509v3 Key Usage: critical\\s+${OPENSSL_KEY_USAGES[usage]}\\n`),
    );
  });

  it.each(EXTENDED_KEY_USAGES)("ExtendedKeyUsage %s alone", async (usage) => {
    const { output, verified } = await leaf("RSA_2048", { extendedKeyUsages: [usage] });
    expect(verified.code, verified.stderr).toBe(0);
    expect(output).toMatch(
      new RegExp(`X509v3 Extended Key Usage: ?\\n\\s+${OPENSSL_EXTENDED_KEY_USAGES[usage]}\\n`),
    );
    expect(output).not.toContain("X509v3 Key Usage");
  });

  it.each([
    ["an intermediate with pathLen 0", 0, /CA:TRUE, pathlen:0\n/],
    ["an intermediate with pathLen 5", 5, /CA:TRUE, pathlen:5\n/],
    ["an intermediate without pathLen", -1, /CA:TRUE\n/],
  ] as const)("%s, issued by a prepared signer", async (_, maxPathLength, basicConstraints) => {
    const { output, verified } = await leaf(
      "EC_prime256v1",
      { subject: { commonName: "Variant Intermediate" }, ca: { maxPathLength } },
      true,
    );
    expect(verified.code, verified.stderr).toBe(0);
    expect(output).toMatch(basicConstraints);
    expect(output).toMatch(
      /X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign\n/,
    );
  });

  it("an empty subject gets a critical SAN, under an RSA issuer", async () => {
    const { output, verified } = await leaf("RSA_2048", {
      subject: {},
      altNames: [{ type: "uri", value: "spiffe://example.com/workload" }],
    });
    expect(verified.code, verified.stderr).toBe(0);
    expect(output).toMatch(
      /X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/example\.com\/workload\n/,
    );
  });

  it("AIA with only caIssuers", async () => {
    const { output, verified } = await leaf("EC_prime256v1", {
      authorityInfoAccess: { caIssuersUrl: "http://pki.example.com/only.der" },
    });
    expect(verified.code, verified.stderr).toBe(0);
    expect(output).toMatch(
      /Authority Information Access: ?\n\s+CA Issuers - URI:http:\/\/pki\.example\.com\/only\.der\n/,
    );
    expect(output).not.toContain("OCSP - URI");
  });
});
