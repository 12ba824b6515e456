import { afterAll, describe, expect, it } from "vitest";
import type { KeyAlgorithm, SignatureAlgorithm } from "./algorithms";
import { type CertificateInput, createCertificate } from "./certificate";
import { parseCertificate } from "./certificate-info";
import { readCertificate } from "./certificate-parts";
import { subjectKeyIdentifier } from "./key-identifier";
import { type GeneratedKeyPair, generateKeyPair } from "./keys";
import type { SubjectInput } from "./names";
import { decodePem } from "./pem";
import { generateSerialNumber } from "./serial-number";
import { prepareSigner } from "./signer";
import { importSigningKey, webCrypto } from "./signing-key";
import { createScratch, NOT_AFTER, NOT_BEFORE, opensslDer, opensslOk } from "./testing/openssl";
import {
  type AltName,
  EXTENDED_KEY_USAGE_OIDS,
  EXTENDED_KEY_USAGES,
  KEY_USAGES,
  type KeyUsage,
} from "./usages";
import * as x509 from "./x509";

// The certificate encoder must write the TBSCertificate @peculiar/x509's generator wrote
// before for the same input. ECDSA signatures are randomised, so the TBS is compared, not
// the certificate; the reference is built here from x509's own classes, not from ours.

const scratch = createScratch();
afterAll(() => scratch.remove());

interface Issuer {
  pem: string;
  privateKeyPkcs8: Buffer;
  keyAlgorithm: KeyAlgorithm;
}

const NAME_OIDS: [keyof SubjectInput, string][] = [
  ["country", "2.5.4.6"],
  ["province", "2.5.4.8"],
  ["locality", "2.5.4.7"],
  ["organization", "2.5.4.10"],
  ["ou", "2.5.4.11"],
  ["commonName", "2.5.4.3"],
];

function x509Name(subject: SubjectInput): x509.Name {
  return new x509.Name(
    NAME_OIDS.filter(([field]) => subject[field]).map(([field, oid]) => ({
      [oid]: [
        field === "country"
          ? { printableString: subject[field] as string }
          : { utf8String: subject[field] as string },
      ],
    })),
  );
}

const X509_ALT_NAME_TYPES = { dns_name: "dns", ip_address: "ip", email: "email", uri: "url" };

function x509Extensions(input: CertificateInput, subjectKeyId: string, authorityKeyId: string) {
  const keyUsageFlags = (usages: KeyUsage[]) =>
    usages.reduce((flags, usage) => flags | (1 << KEY_USAGES.indexOf(usage)), 0);
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

function signerInput(issuer: Issuer) {
  const { pem, privateKeyPkcs8, keyAlgorithm } = issuer;
  return { certificatePem: pem, privateKeyPkcs8, keyAlgorithm };
}

function tbsOf(pem: string): Buffer {
  return readCertificate(decodePem(pem, "CERTIFICATE", "certificate")).tbs;
}

/** The TBS x509's generator writes for `input`, signed by `issuer` (null: self-signed). */
async function referenceTbs(
  input: CertificateInput,
  subjectKeys: GeneratedKeyPair,
  issuer: Issuer | null,
): Promise<Buffer> {
  // The SKI method is ours (RFC 5280 method 1, checked against openssl elsewhere), as before.
  const subjectKeyId = subjectKeyIdentifier(input.publicKeySpki).toString("hex");
  const signing = issuer ?? {
    pem: null,
    privateKeyPkcs8: subjectKeys.privateKeyPkcs8,
    keyAlgorithm: subjectKeys.algorithm,
  };
  const authorityKeyId = issuer
    ? (parseCertificate(issuer.pem).subjectKeyId as string)
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
        new Uint8Array(readCertificate(decodePem(issuer.pem, "CERTIFICATE", "issuer")).subject),
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

async function root(keyAlgorithm: KeyAlgorithm, signatureAlgorithm: SignatureAlgorithm) {
  const keys = await generateKeyPair(keyAlgorithm);
  const pem = await createCertificate({
    subject: { commonName: `TBS Root ${keyAlgorithm}`, organization: "Acme", country: "NL" },
    publicKeySpki: keys.publicKeySpki,
    serialNumber: generateSerialNumber(),
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signatureAlgorithm,
    issuer: { selfSigned: { privateKeyPkcs8: keys.privateKeyPkcs8, keyAlgorithm } },
    ca: { maxPathLength: -1 },
  });
  return { pem, privateKeyPkcs8: keys.privateKeyPkcs8, keyAlgorithm };
}

const ALL_ALT_NAMES: AltName[] = [
  { type: "dns_name", value: "service.example.com" },
  { type: "dns_name", value: "*.service.example.com" },
  { type: "ip_address", value: "192.0.2.10" },
  { type: "ip_address", value: "2001:db8::1" },
  { type: "email", value: "ops@example.com" },
  { type: "uri", value: "spiffe://example.com/service" },
];

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
      const input: CertificateInput = {
        subject: { commonName: "Self Root", organization: "Acme", ou: "PKI", country: "US" },
        publicKeySpki: keys.publicKeySpki,
        serialNumber: generateSerialNumber(),
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
        signatureAlgorithm: signature,
        issuer: { selfSigned: { privateKeyPkcs8: keys.privateKeyPkcs8, keyAlgorithm } },
        ca: { maxPathLength: path },
      };
      expect(tbsOf(await createCertificate(input)).toString("hex")).toBe(
        (await referenceTbs(input, keys, null)).toString("hex"),
      );
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
    const input: CertificateInput = {
      subject: { commonName: "service.example.com", organization: "Acme", locality: "Zürich" },
      publicKeySpki: keys.publicKeySpki,
      serialNumber: generateSerialNumber(),
      notBefore: new Date("2031-02-03T04:05:06Z"),
      // GeneralizedTime from 2050 on.
      notAfter: new Date("2051-06-07T08:09:10Z"),
      signatureAlgorithm: signature,
      issuer: signerInput(issuer),
      keyUsages: KEY_USAGES.filter((usage) => usage !== "key_cert_sign"),
      extendedKeyUsages: [...EXTENDED_KEY_USAGES],
      altNames: ALL_ALT_NAMES,
      crlDistributionPointUrl: "http://pki.example.com/crl/ca-1.crl",
      authorityInfoAccess: {
        caIssuersUrl: "http://pki.example.com/ca/ca-1.der",
        ocspUrl: "http://pki.example.com/ocsp",
      },
    };
    const ours = tbsOf(await createCertificate(input));
    expect(ours.toString("hex")).toBe((await referenceTbs(input, keys, issuer)).toString("hex"));
    // A prepared issuer writes the same bytes.
    const prepared = { ...input, issuer: prepareSigner(signerInput(issuer)) };
    expect(tbsOf(await createCertificate(prepared)).equals(ours)).toBe(true);
  });

  it.each([
    ["an empty subject and a critical SAN", { subject: {}, altNames: ALL_ALT_NAMES.slice(0, 1) }],
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
    const issuer = (await roots).ec;
    const keys = await generateKeyPair("RSA_2048");
    const input: CertificateInput = {
      subject: { commonName: "leaf.example.com" },
      publicKeySpki: keys.publicKeySpki,
      serialNumber: generateSerialNumber(),
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      signatureAlgorithm: "ECDSA-SHA256",
      issuer: signerInput(issuer),
      ...overrides,
    };
    expect(tbsOf(await createCertificate(input)).toString("hex")).toBe(
      (await referenceTbs(input, keys, issuer)).toString("hex"),
    );
  });

  it("under an external root whose subject x509 could not have re-encoded any other way", async () => {
    const keyFile = scratch.path("external.key");
    opensslOk([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      scratch.path("external.pem"),
      "-days",
      "3650",
      "-multivalue-rdn",
      "-subj",
      "/DC=org/DC=example/O=Example+OU=PKI/CN=External Root",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const issuer: Issuer = {
      pem: scratch.read("external.pem").toString("utf8"),
      privateKeyPkcs8: opensslDer([
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        keyFile,
        "-outform",
        "DER",
      ]),
      keyAlgorithm: "EC_prime256v1",
    };
    const keys = await generateKeyPair("EC_prime256v1");
    const input: CertificateInput = {
      subject: { commonName: "under-external" },
      publicKeySpki: keys.publicKeySpki,
      serialNumber: generateSerialNumber(),
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      signatureAlgorithm: "ECDSA-SHA256",
      issuer: signerInput(issuer),
    };
    expect(tbsOf(await createCertificate(input)).toString("hex")).toBe(
      (await referenceTbs(input, keys, issuer)).toString("hex"),
    );
  });
});
