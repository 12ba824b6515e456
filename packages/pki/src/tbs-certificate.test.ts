import { afterAll, describe, expect, it } from "vitest";
import type { KeyAlgorithm, SignatureAlgorithm } from "./algorithms";
import { type CertificateInput, createCertificate } from "./certificate";
import { parseCertificate } from "./certificate-info";
import { readCertificate } from "./certificate-parts";
import { subjectKeyIdentifier } from "./key-identifier";
import { type GeneratedKeyPair, generateKeyPair } from "./keys";
import { decodePem } from "./pem";
import { prepareSigner, type SignerInput } from "./signer";
import { importSigningKey, webCrypto } from "./signing-key";
import { altNamesOfEveryType, certificateInput, makeRoot, selfSignedBy } from "./testing/fixtures";
import { createScratch, opensslRoot } from "./testing/openssl";
import { keyUsageFlags, NAME_OIDS, x509Name } from "./testing/x509-reference";
import { EXTENDED_KEY_USAGE_OIDS, EXTENDED_KEY_USAGES, KEY_USAGES } from "./usages";
import * as x509 from "./x509";

// The certificate encoder must write the TBSCertificate @peculiar/x509's generator wrote
// before for the same input. ECDSA signatures are randomised, so the TBS is compared, not
// the certificate; the reference is built here from x509's own classes, not from ours.

const scratch = createScratch();
afterAll(() => scratch.remove());

const X509_ALT_NAME_TYPES = { dns_name: "dns", ip_address: "ip", email: "email", uri: "url" };

function x509Extensions(input: CertificateInput, subjectKeyId: string, authorityKeyId: string) {
  const extensions: x509.Extension[] = [];
  if (input.ca) {
    const { maxPathLength } = input.ca;
    extensions.push(
      new x509.BasicConstraintsExtension(
        true,
        maxPathLength >= 0 ? maxPathLength : undefined,
        true,
      ),
      new x509.KeyUsagesExtension(
        keyUsageFlags(["key_cert_sign", "crl_sign", "digital_signature"]),
        true,
      ),
    );
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    if (input.keyUsages?.length) {
      extensions.push(new x509.KeyUsagesExtension(keyUsageFlags(input.keyUsages), true));
    }
    if (input.extendedKeyUsages?.length) {
      const oids = input.extendedKeyUsages.map((usage) => EXTENDED_KEY_USAGE_OIDS[usage]);
      extensions.push(new x509.ExtendedKeyUsageExtension(oids, false));
    }
  }
  extensions.push(
    new x509.SubjectKeyIdentifierExtension(subjectKeyId, false),
    new x509.AuthorityKeyIdentifierExtension(authorityKeyId, false),
  );
  if (input.altNames?.length) {
    const names = input.altNames.map(({ type, value }) => ({
      type: X509_ALT_NAME_TYPES[type] as x509.GeneralNameType,
      value,
    }));
    const subjectEmpty = NAME_OIDS.every(([field]) => !input.subject[field]);
    extensions.push(new x509.SubjectAlternativeNameExtension(names, subjectEmpty));
  }
  if (input.crlDistributionPointUrl) {
    extensions.push(new x509.CRLDistributionPointsExtension([input.crlDistributionPointUrl]));
  }
  const { caIssuersUrl, ocspUrl } = input.authorityInfoAccess ?? {};
  if (caIssuersUrl || ocspUrl) {
    extensions.push(
      new x509.AuthorityInfoAccessExtension({
        ...(caIssuersUrl ? { caIssuers: caIssuersUrl } : {}),
        ...(ocspUrl ? { ocsp: ocspUrl } : {}),
      }),
    );
  }
  return extensions;
}

function tbsOf(pem: string): Buffer {
  return readCertificate(decodePem(pem, "CERTIFICATE", "certificate")).tbs;
}

/** The TBS x509's generator writes for `input`, signed by `issuer` (null: self-signed). */
async function referenceTbs(
  input: CertificateInput,
  subjectKeys: GeneratedKeyPair,
  issuer: SignerInput | null,
): Promise<Buffer> {
  // The SKI method is ours (RFC 5280 method 1, checked against openssl elsewhere), as before.
  const subjectKeyId = subjectKeyIdentifier(input.publicKeySpki).toString("hex");
  const signing = issuer ?? {
    privateKeyPkcs8: subjectKeys.privateKeyPkcs8,
    keyAlgorithm: subjectKeys.algorithm,
  };
  const authorityKeyId = issuer
    ? (parseCertificate(issuer.certificatePem).subjectKeyId as string)
    : subjectKeyId;
  const { privateKey, signingAlgorithm } = await importSigningKey({
    privateKeyPkcs8: signing.privateKeyPkcs8,
    keyAlgorithm: signing.keyAlgorithm,
    signatureAlgorithm: input.signatureAlgorithm,
    field: "issuer",
  });
  const subject = x509Name(input.subject);
  const issuerName = issuer
    ? new x509.Name(
        new Uint8Array(
          readCertificate(decodePem(issuer.certificatePem, "CERTIFICATE", "issuer")).subject,
        ),
      )
    : subject;
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: input.serialNumber,
      subject,
      issuer: issuerName,
      notBefore: input.notBefore,
      notAfter: input.notAfter,
      publicKey: new Uint8Array(input.publicKeySpki),
      signingKey: privateKey,
      signingAlgorithm,
      extensions: x509Extensions(input, subjectKeyId, authorityKeyId),
    },
    webCrypto,
  );
  return tbsOf(certificate.toString("pem"));
}

/** Fails unless our TBS for `input` is x509's byte for byte; returns ours. */
async function expectTbsAsX509(
  input: CertificateInput,
  subjectKeys: GeneratedKeyPair,
  issuer: SignerInput | null,
): Promise<Buffer> {
  const ours = tbsOf(await createCertificate(input));
  expect(ours.toString("hex")).toBe(
    (await referenceTbs(input, subjectKeys, issuer)).toString("hex"),
  );
  return ours;
}

/** As expectTbsAsX509, for a plain ECDSA-SHA256 leaf under `issuer` with `overrides`. */
async function expectLeafTbsAsX509(
  issuer: SignerInput,
  subjectKeyAlgorithm: KeyAlgorithm,
  overrides: Partial<CertificateInput>,
): Promise<void> {
  const keys = await generateKeyPair(subjectKeyAlgorithm);
  const input = certificateInput({
    subject: { commonName: "leaf.example.com" },
    publicKeySpki: keys.publicKeySpki,
    signatureAlgorithm: "ECDSA-SHA256",
    issuer,
    ...overrides,
  });
  await expectTbsAsX509(input, keys, issuer);
}

async function root(keyAlgorithm: KeyAlgorithm, signatureAlgorithm: SignatureAlgorithm) {
  const subject = { commonName: `TBS Root ${keyAlgorithm}`, organization: "Acme", country: "NL" };
  return (await makeRoot(keyAlgorithm, { subject, signatureAlgorithm })).signer;
}

describe("the TBSCertificate equals @peculiar/x509's for the same input", () => {
  const roots = (async () => ({
    ec: await root("EC_prime256v1", "ECDSA-SHA256"),
    rsa: await root("RSA_2048", "RSA-SHA256"),
  }))();

  it.each([
    ["EC_prime256v1", "ECDSA-SHA256", -1],
    ["EC_secp384r1", "ECDSA-SHA384", 0],
    ["EC_secp521r1", "ECDSA-SHA512", 7],
    ["RSA_2048", "RSA-SHA256", 200],
    ["RSA_2048", "RSA-SHA384", -1],
    ["RSA_2048", "RSA-SHA512", 1],
  ] as const)(
    "self-signed %s root, %s, maxPathLength %i",
    async (keyAlgorithm, signature, path) => {
      const keys = await generateKeyPair(keyAlgorithm);
      const input = certificateInput({
        subject: { commonName: "Self Root", organization: "Acme", ou: "PKI", country: "US" },
        publicKeySpki: keys.publicKeySpki,
        signatureAlgorithm: signature,
        issuer: selfSignedBy(keys),
        ca: { maxPathLength: path },
      });
      await expectTbsAsX509(input, keys, null);
    },
  );

  it.each([
    ["ec", "ECDSA-SHA256"],
    ["ec", "ECDSA-SHA384"],
    ["ec", "ECDSA-SHA512"],
    ["rsa", "RSA-SHA256"],
    ["rsa", "RSA-SHA384"],
    ["rsa", "RSA-SHA512"],
  ] as const)("leaf with every extension under the %s root, %s", async (which, signature) => {
    const issuer = (await roots)[which];
    const keys = await generateKeyPair("EC_prime256v1");
    const input = certificateInput({
      subject: { commonName: "service.example.com", organization: "Acme", locality: "Zürich" },
      publicKeySpki: keys.publicKeySpki,
      notBefore: new Date("2031-02-03T04:05:06Z"),
      // GeneralizedTime from 2050 on.
      notAfter: new Date("2051-06-07T08:09:10Z"),
      signatureAlgorithm: signature,
      issuer,
      keyUsages: KEY_USAGES.filter((usage) => usage !== "key_cert_sign"),
      extendedKeyUsages: [...EXTENDED_KEY_USAGES],
      altNames: altNamesOfEveryType(),
      crlDistributionPointUrl: "http://pki.example.com/crl/ca-1.crl",
      authorityInfoAccess: {
        caIssuersUrl: "http://pki.example.com/ca/ca-1.der",
        ocspUrl: "http://pki.example.com/ocsp",
      },
    });
    const ours = await expectTbsAsX509(input, keys, issuer);
    // A prepared issuer writes the same bytes.
    const prepared = { ...input, issuer: prepareSigner(issuer) };
    expect(tbsOf(await createCertificate(prepared)).equals(ours)).toBe(true);
  });

  it.each([
    [
      "an empty subject and a critical SAN",
      { subject: {}, altNames: altNamesOfEveryType().slice(0, 1) },
    ],
    [
      "one key usage and one EKU",
      { keyUsages: ["digital_signature"], extendedKeyUsages: ["server_auth"] },
    ],
    ["only an OCSP URL", { authorityInfoAccess: { ocspUrl: "http://ocsp.example.com" } }],
    [
      "only a caIssuers URL",
      { authorityInfoAccess: { caIssuersUrl: "http://ca.example.com/ca.der" } },
    ],
    [
      "an intermediate CA with pointers",
      {
        ca: { maxPathLength: 0 },
        crlDistributionPointUrl: "ldap://ldap.example.com/cn=CA?certificateRevocationList",
      },
    ],
  ] as [string, Partial<CertificateInput>][])("a certificate with %s", async (_, overrides) => {
    await expectLeafTbsAsX509((await roots).ec, "RSA_2048", overrides);
  });

  it("under an external root whose subject x509 could not have re-encoded any other way", async () => {
    const issuer = opensslRoot(scratch.dir, "external", {
      subject: "/DC=org/DC=example/O=Example+OU=PKI/CN=External Root",
    });
    await expectLeafTbsAsX509(issuer, "EC_prime256v1", {
      subject: { commonName: "under-external" },
    });
  });
});
