import { createPublicKey, type KeyObject } from "node:crypto";
import {
  defaultSignatureAlgorithm,
  type KeyAlgorithm,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signatureAlgorithmFits,
} from "./algorithms";
import { mayCertify, parseCertificateDetails } from "./certificate-info";
import { PkiError } from "./errors";
import { decodeSubjectKeyIdentifier, EXTENSION_OIDS, findExtension } from "./extensions";
import { subjectKeyIdentifier } from "./key-identifier";
import { keyAlgorithmOfKeyObject, keyObjectMatchesSpki, parsePrivateKey } from "./keys";
import { verifySignature } from "./signature";
import {
  type ExternalSigningKey,
  type SigningKey,
  signatureAlgorithmIdentifier,
} from "./signing-key";
import type { KeyUsage } from "./usages";

/** An issuing CA: its certificate and its private key. */
export interface SignerInput {
  certificatePem: string;
  privateKeyPkcs8: Buffer;
  keyAlgorithm: KeyAlgorithm;
}

/** An issuing CA whose private key is held elsewhere (an HSM) and only signs. */
export interface ExternalSignerInput {
  certificatePem: string;
  externalKey: ExternalSigningKey;
  keyAlgorithm: KeyAlgorithm;
}

/**
 * A CA whose certificate was parsed and whose private key was checked against it once, ready
 * to sign any number of certificates, CRLs and OCSP responses. Made only by prepareSigner,
 * frozen, and never modified by this package, so one can be cached and shared. Whether the CA
 * may do a given duty (sign certificates, CRLs, OCSP) is still checked at each use.
 */
export interface PreparedSigner {
  readonly keyAlgorithm: KeyAlgorithm;
  /** The CA certificate's subject, DER: copied byte for byte as the issuer of what it signs. */
  readonly subjectName: Buffer;
  /** The CA certificate's SubjectPublicKeyInfo, DER. */
  readonly publicKeySpki: Buffer;
  /** For the AKI of what it signs: its SKI, or the one it would have had. */
  readonly keyIdentifier: Buffer;
  readonly isCa: boolean;
  /** -1 when there is no pathLen constraint. */
  readonly maxPathLength: number;
  /** Null when the certificate has no KeyUsage extension. */
  readonly keyUsages: readonly KeyUsage[] | null;
  /** A KeyObject (the fast path), or a key that signs where it lives (an HSM). */
  readonly key: SigningKey;
}

/** What may sign: a CA as stored, prepared on the spot, or one prepared beforehand. */
export type SignerSource = SignerInput | ExternalSignerInput | PreparedSigner;

export type SignerDuty = "certificates" | "crls" | "ocsp";

type CaCapabilities = Pick<PreparedSigner, "isCa" | "keyUsages">;

interface Duty {
  allowed: (ca: CaCapabilities) => boolean;
  what: string;
  needs: string;
}

const DUTIES: Record<SignerDuty, Duty> = {
  certificates: {
    allowed: (ca) => mayCertify(ca.isCa, ca.keyUsages),
    what: "certificates",
    needs: "CA:TRUE and keyCertSign",
  },
  // RFC 5280 4.2.1.3: CRL signatures verify only with cRLSign, and OpenSSL checks it.
  crls: {
    allowed: (ca) => ca.isCa && (ca.keyUsages === null || ca.keyUsages.includes("crl_sign")),
    what: "CRLs",
    needs: "CA:TRUE and cRLSign",
  },
  // The CA answers for its own certificates (RFC 6960 4.2.2.2), so no delegation EKU.
  ocsp: { allowed: (ca) => ca.isCa, what: "OCSP responses", needs: "CA:TRUE" },
};

// Only what prepareSigner made counts as prepared: an object that merely looks like one
// never skips the checks.
const PREPARED = new WeakSet<PreparedSigner>();

export function checkDeclaredKeyAlgorithm(
  privateKey: KeyObject,
  declared: KeyAlgorithm,
  field: string,
): void {
  const actual = keyAlgorithmOfKeyObject(privateKey, field);
  if (actual !== declared) {
    throw new PkiError(`the signing key is ${actual}, not ${declared}`, field);
  }
}

/** Throws PkiError(signatureAlgorithm) for an unknown algorithm or one the key cannot make. */
export function checkSignatureAlgorithm(
  signatureAlgorithm: SignatureAlgorithm,
  keyAlgorithm: KeyAlgorithm,
): void {
  if (!SIGNATURE_ALGORITHMS.includes(signatureAlgorithm)) {
    throw new PkiError(`unknown signature algorithm "${signatureAlgorithm}"`, "signatureAlgorithm");
  }
  if (!signatureAlgorithmFits(signatureAlgorithm, keyAlgorithm)) {
    throw new PkiError(
      `signature algorithm ${signatureAlgorithm} does not fit the signing key (${keyAlgorithm})`,
      "signatureAlgorithm",
    );
  }
}

// What an external key signs once, to prove it holds the private half of the certificate's key.
const PROBE = Buffer.from("certq: does this key belong to this certificate?");

/**
 * Throws PkiError(field) unless the external key is the declared algorithm, reports the
 * certificate's public key, and makes a signature that verifies with it.
 */
export function checkExternalKey(
  key: ExternalSigningKey,
  declared: KeyAlgorithm,
  spki: Buffer,
  field: string,
): void {
  if (key?.keyAlgorithm !== declared) {
    throw new PkiError(`the signing key is ${key?.keyAlgorithm}, not ${declared}`, field);
  }
  const samePublicKey = (() => {
    try {
      const given = createPublicKey({ key: spki, format: "der", type: "spki" });
      return createPublicKey({ key: key.publicKeySpki, format: "der", type: "spki" }).equals(given);
    } catch {
      return false;
    }
  })();
  const algorithm = defaultSignatureAlgorithm(declared);
  if (
    !samePublicKey ||
    !verifySignature({
      algorithmIdentifier: signatureAlgorithmIdentifier(algorithm),
      data: PROBE,
      signature: key.sign(PROBE, algorithm),
      spki,
    })
  ) {
    throw new PkiError(`the ${field}'s private key does not match its certificate`, field);
  }
}

function signingKeyOf(
  input: SignerInput | ExternalSignerInput,
  spki: Buffer,
  field: string,
): SigningKey {
  if ("externalKey" in input) {
    checkExternalKey(input.externalKey, input.keyAlgorithm, spki, field);
    return input.externalKey;
  }
  const privateKey = parsePrivateKey(input.privateKeyPkcs8, field);
  checkDeclaredKeyAlgorithm(privateKey, input.keyAlgorithm, field);
  if (!keyObjectMatchesSpki(privateKey, spki)) {
    throw new PkiError(`the ${field}'s private key does not match its certificate`, field);
  }
  return privateKey;
}

function checkDuty(ca: CaCapabilities, field: string, duty: SignerDuty): void {
  const { allowed, what, needs } = DUTIES[duty];
  if (!allowed(ca)) {
    throw new PkiError(
      `the ${field} certificate is not a CA allowed to sign ${what} (needs ${needs})`,
      field,
    );
  }
}

function prepare(
  input: SignerInput | ExternalSignerInput,
  field: string,
  duty?: SignerDuty,
): PreparedSigner {
  const certificate = parseCertificateDetails(input?.certificatePem, field);
  const { info, parts, keyUsages } = certificate;
  // The duty first: that the certificate is no CA says more than anything about its key.
  if (duty) checkDuty({ isCa: info.isCa, keyUsages }, field, duty);
  const key = signingKeyOf(input, parts.spki, field);
  const skiExtension = findExtension(parts.extensions, EXTENSION_OIDS.subjectKeyIdentifier);
  const signer: PreparedSigner = Object.freeze({
    keyAlgorithm: input.keyAlgorithm,
    subjectName: parts.subject,
    publicKeySpki: parts.spki,
    // An issuer without an SKI (some old external roots) gets the one it would have had.
    keyIdentifier: skiExtension
      ? decodeSubjectKeyIdentifier(skiExtension.value)
      : subjectKeyIdentifier(parts.spki),
    isCa: info.isCa,
    maxPathLength: info.maxPathLength,
    keyUsages: keyUsages ? Object.freeze([...keyUsages]) : null,
    key,
  });
  PREPARED.add(signer);
  return signer;
}

/**
 * Does once what every signature needs: parses the CA certificate, checks that the private key
 * is the declared algorithm and belongs to the certificate (an external key signs once to
 * prove it), and keeps the key as a KeyObject, or the external key as given.
 * Pass the result as the issuer or signer of createCertificate, createCrl and
 * createOcspResponse. Throws PkiError on `field` as those would for the same input. It does
 * not check that the certificate is a CA: each use checks its own duty.
 */
export function prepareSigner(
  input: SignerInput | ExternalSignerInput,
  field = "issuer",
): PreparedSigner {
  return prepare(input, field);
}

/**
 * The signer for one use: prepared now, or prepared beforehand, and in both cases allowed to
 * do `duty`; PkiError on `field` otherwise.
 */
export function signerFor(source: SignerSource, field: string, duty: SignerDuty): PreparedSigner {
  if (PREPARED.has(source as PreparedSigner)) {
    const signer = source as PreparedSigner;
    checkDuty(signer, field, duty);
    return signer;
  }
  return prepare(source as SignerInput | ExternalSignerInput, field, duty);
}
