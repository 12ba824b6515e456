// Test support only: the CAs and certificates a test needs before it can check anything.
// Made one way everywhere, with the fixed dates openssl verifies at, so what differs between
// tests is only what each one is about.
import {
  defaultSignatureAlgorithm,
  type KeyAlgorithm,
  type SignatureAlgorithm,
} from "../algorithms";
import { type CertificateInput, createCertificate } from "../certificate";
import { parseCertificate } from "../certificate-info";
import { type GeneratedKeyPair, generateKeyPair } from "../keys";
import type { SubjectInput } from "../names";
import { generateSerialNumber } from "../serial-number";
import type { SignerInput } from "../signer";
import type { AltName } from "../usages";
import { NOT_AFTER, NOT_BEFORE, type Scratch } from "./openssl";

/**
 * One alternative name of every type, IPv4 and IPv6, and a wildcard: a SAN that covers all.
 * A fresh array each call, so a test comparing against it never sees what an earlier one did.
 */
export function altNamesOfEveryType(): AltName[] {
  return [
    { type: "dns_name", value: "service.example.com" },
    { type: "dns_name", value: "*.service.example.com" },
    { type: "ip_address", value: "192.0.2.10" },
    { type: "ip_address", value: "2001:db8::1" },
    { type: "email", value: "ops@example.com" },
    { type: "uri", value: "spiffe://example.com/service" },
  ];
}

type Defaulted = "serialNumber" | "notBefore" | "notAfter";

/** A certificate's input with a fresh serial and NOT_BEFORE/NOT_AFTER, unless `fields` set them. */
export function certificateInput(
  fields: Omit<CertificateInput, Defaulted> & Partial<Pick<CertificateInput, Defaulted>>,
): CertificateInput {
  return {
    serialNumber: generateSerialNumber(),
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    ...fields,
  };
}

/** The issuer of a self-signed certificate: the subject's own key. */
export function selfSignedBy(keys: GeneratedKeyPair): CertificateInput["issuer"] {
  return { selfSigned: { privateKeyPkcs8: keys.privateKeyPkcs8, keyAlgorithm: keys.algorithm } };
}

/** A CA as stored: its certificate with the key pair behind it. */
export function signerInput(certificatePem: string, keys: GeneratedKeyPair): SignerInput {
  return { certificatePem, privateKeyPkcs8: keys.privateKeyPkcs8, keyAlgorithm: keys.algorithm };
}

export interface TestRoot {
  pem: string;
  keys: GeneratedKeyPair;
  /** The root as the issuer of what a test signs. */
  signer: SignerInput;
}

/**
 * A self-signed root of ours with a fresh key. The signature defaults to the key's customary
 * one, and maxPathLength to -1 (no constraint).
 */
export async function makeRoot(
  keyAlgorithm: KeyAlgorithm,
  options: {
    subject: SubjectInput;
    signatureAlgorithm?: SignatureAlgorithm;
    maxPathLength?: number;
  },
): Promise<TestRoot> {
  const {
    subject,
    signatureAlgorithm = defaultSignatureAlgorithm(keyAlgorithm),
    maxPathLength = -1,
  } = options;
  const keys = await generateKeyPair(keyAlgorithm);
  const pem = await createCertificate(
    certificateInput({
      subject,
      publicKeySpki: keys.publicKeySpki,
      signatureAlgorithm,
      issuer: selfSignedBy(keys),
      ca: { maxPathLength },
    }),
  );
  return { pem, keys, signer: signerInput(pem, keys) };
}

export interface TestLeaf {
  pem: string;
  file: string;
  serialNumber: string;
}

export interface TestCa extends TestRoot {
  name: string;
  /** The certificate in a scratch file, for openssl's -CAfile and -issuer. */
  file: string;
  signatureAlgorithm: SignatureAlgorithm;
  /** A leaf under this CA, in a scratch file too; every leaf of one CA shares one key. */
  issueLeaf(commonName: string): Promise<TestLeaf>;
}

let files = 0;

/** `name` made unique, so CAs and leaves of the same name never overwrite each other's file. */
function fileName(name: string): string {
  return `${name}-${++files}.pem`;
}

/**
 * A root (see makeRoot; its subject defaults to CN=`name`) written to `scratch`, which issues
 * leaves for the tests that need certificates to revoke, to ask OCSP about or to verify.
 */
export async function makeCa(
  scratch: Scratch,
  name: string,
  keyAlgorithm: KeyAlgorithm,
  options: {
    subject?: SubjectInput;
    signatureAlgorithm?: SignatureAlgorithm;
    maxPathLength?: number;
  } = {},
): Promise<TestCa> {
  const signatureAlgorithm = options.signatureAlgorithm ?? defaultSignatureAlgorithm(keyAlgorithm);
  const root = await makeRoot(keyAlgorithm, {
    ...options,
    subject: options.subject ?? { commonName: name },
    signatureAlgorithm,
  });
  const leafKeys = await generateKeyPair("EC_prime256v1");
  return {
    ...root,
    name,
    file: scratch.write(fileName(name), root.pem),
    signatureAlgorithm,
    async issueLeaf(commonName) {
      const pem = await createCertificate(
        certificateInput({
          subject: { commonName },
          publicKeySpki: leafKeys.publicKeySpki,
          signatureAlgorithm,
          issuer: root.signer,
        }),
      );
      return {
        pem,
        file: scratch.write(fileName(`${name}-${commonName}`), pem),
        serialNumber: parseCertificate(pem).serialNumber,
      };
    },
  };
}
