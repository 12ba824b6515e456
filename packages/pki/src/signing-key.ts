import { KeyObject, sign, webcrypto } from "node:crypto";
import type { KeyAlgorithm, SignatureAlgorithm } from "./algorithms";
import { keyFamily } from "./algorithms";
import { encodeElement, encodeOid, encodeSequence, TAG } from "./der";
import { PkiError } from "./errors";

// @peculiar/x509's CSR generator signs through WebCrypto; node's runs on the libuv pool.
export const webCrypto = webcrypto;

const HASHES: Record<SignatureAlgorithm, string> = {
  "RSA-SHA256": "SHA-256",
  "RSA-SHA384": "SHA-384",
  "RSA-SHA512": "SHA-512",
  "ECDSA-SHA256": "SHA-256",
  "ECDSA-SHA384": "SHA-384",
  "ECDSA-SHA512": "SHA-512",
};

const CURVES: Partial<Record<KeyAlgorithm, string>> = {
  EC_prime256v1: "P-256",
  EC_secp384r1: "P-384",
  EC_secp521r1: "P-521",
};

interface WebAlgorithms {
  /** For importKey. RSA binds the hash to the key in WebCrypto, so it goes here too. */
  key: { name: string; hash?: string; namedCurve?: string };
  /** For sign. */
  signing: { name: string; hash: string };
}

function webAlgorithms(key: KeyAlgorithm, signature: SignatureAlgorithm): WebAlgorithms {
  const hash = HASHES[signature];
  if (keyFamily(key) === "RSA") {
    const name = "RSASSA-PKCS1-v1_5";
    return { key: { name, hash }, signing: { name, hash } };
  }
  return { key: { name: "ECDSA", namedCurve: CURVES[key] }, signing: { name: "ECDSA", hash } };
}

/** The signing key and the sign() algorithm for x509's generators. */
export async function importSigningKey(args: {
  privateKeyPkcs8: Buffer;
  keyAlgorithm: KeyAlgorithm;
  signatureAlgorithm: SignatureAlgorithm;
  field: string;
}): Promise<{ privateKey: webcrypto.CryptoKey; signingAlgorithm: { name: string; hash: string } }> {
  const algorithms = webAlgorithms(args.keyAlgorithm, args.signatureAlgorithm);
  try {
    const privateKey = await webCrypto.subtle.importKey(
      "pkcs8",
      new Uint8Array(args.privateKeyPkcs8),
      algorithms.key,
      false,
      ["sign"],
    );
    return { privateKey, signingAlgorithm: algorithms.signing };
  } catch (error) {
    throw new PkiError(
      `cannot use the private key for signing: ${(error as Error).message}`,
      args.field,
    );
  }
}

/** The public half as a WebCrypto key (x509's CSR generator exports the SPKI from it). */
export async function importPublicKey(args: {
  publicKeySpki: Buffer;
  keyAlgorithm: KeyAlgorithm;
  signatureAlgorithm: SignatureAlgorithm;
  field: string;
}): Promise<webcrypto.CryptoKey> {
  const algorithms = webAlgorithms(args.keyAlgorithm, args.signatureAlgorithm);
  try {
    return await webCrypto.subtle.importKey(
      "spki",
      new Uint8Array(args.publicKeySpki),
      algorithms.key,
      true,
      ["verify"],
    );
  } catch (error) {
    throw new PkiError(`cannot import the public key: ${(error as Error).message}`, args.field);
  }
}

// RFC 4055 gives RSA signatures NULL parameters; RFC 5758 gives ECDSA ones none at all.
const SIGNATURE_OIDS: Record<SignatureAlgorithm, { oid: string; nullParameters: boolean }> = {
  "RSA-SHA256": { oid: "1.2.840.113549.1.1.11", nullParameters: true },
  "RSA-SHA384": { oid: "1.2.840.113549.1.1.12", nullParameters: true },
  "RSA-SHA512": { oid: "1.2.840.113549.1.1.13", nullParameters: true },
  "ECDSA-SHA256": { oid: "1.2.840.10045.4.3.2", nullParameters: false },
  "ECDSA-SHA384": { oid: "1.2.840.10045.4.3.3", nullParameters: false },
  "ECDSA-SHA512": { oid: "1.2.840.10045.4.3.4", nullParameters: false },
};

const SIGNATURE_ALGORITHM_IDENTIFIERS = Object.fromEntries(
  Object.entries(SIGNATURE_OIDS).map(([algorithm, { oid, nullParameters }]) => [
    algorithm,
    encodeSequence([
      encodeOid(oid),
      ...(nullParameters ? [encodeElement(TAG.null, Buffer.alloc(0))] : []),
    ]),
  ]),
) as Record<SignatureAlgorithm, Buffer>;

/** The DER AlgorithmIdentifier of a signature algorithm (shared: callers must not modify it). */
export function signatureAlgorithmIdentifier(algorithm: SignatureAlgorithm): Buffer {
  return SIGNATURE_ALGORITHM_IDENTIFIERS[algorithm];
}

// Node's names for the same digests, for sign(): "SHA-256" is "sha256".
const DIGESTS = Object.fromEntries(
  Object.entries(HASHES).map(([algorithm, hash]) => [
    algorithm,
    hash.replace("-", "").toLowerCase(),
  ]),
) as Record<SignatureAlgorithm, string>;

function signOnPool(digest: string, data: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(digest, data, { key, dsaEncoding: "der" }, (error, signature) =>
      error ? reject(error) : resolve(signature),
    );
  });
}

/**
 * A private key kept outside this process (a PKCS#11 token): it never comes out, only its
 * signatures do. `sign` returns the X.509 form of the signature of `data`: PKCS#1 v1.5 for
 * RSA, a DER ECDSA-Sig-Value for EC (see ecdsaSignatureToDer). Synchronous, as PKCS#11 is.
 */
export interface ExternalSigningKey {
  readonly keyAlgorithm: KeyAlgorithm;
  /** The key's public half, DER SubjectPublicKeyInfo. */
  readonly publicKeySpki: Buffer;
  sign(data: Buffer, signatureAlgorithm: SignatureAlgorithm): Buffer;
}

/** What signs: a key in this process's memory, or one held elsewhere. */
export type SigningKey = KeyObject | ExternalSigningKey;

export function isExternalSigningKey(key: SigningKey): key is ExternalSigningKey {
  return !(key instanceof KeyObject);
}

/** The DER digest name of a signature algorithm's hash, for createHash: "sha256". */
export function signatureDigest(algorithm: SignatureAlgorithm): string {
  return DIGESTS[algorithm];
}

/**
 * The signed SEQUENCE { tbs, signatureAlgorithm, signature BIT STRING } that certificates,
 * CRLs and OCSP responses share, with DER ECDSA signatures (the X.509 form; RSA keys sign
 * PKCS#1 v1.5). An EC signature takes about 25 µs, less than a hop to libuv's pool and back,
 * so it is made here; an RSA one takes 0.3 ms (2048) to 3 ms (4096), so it goes to the pool
 * and leaves the event loop free. An external key signs where it lives.
 */
export async function signStructure(args: {
  tbs: Buffer;
  key: SigningKey;
  signatureAlgorithm: SignatureAlgorithm;
}): Promise<Buffer> {
  const { key } = args;
  const digest = DIGESTS[args.signatureAlgorithm];
  const signature = !(key instanceof KeyObject)
    ? key.sign(args.tbs, args.signatureAlgorithm)
    : key.asymmetricKeyType === "ec"
      ? sign(digest, args.tbs, { key, dsaEncoding: "der" })
      : await signOnPool(digest, args.tbs, key);
  return encodeSequence([
    args.tbs,
    SIGNATURE_ALGORITHM_IDENTIFIERS[args.signatureAlgorithm],
    encodeElement(TAG.bitString, Buffer.concat([Buffer.from([0]), signature])),
  ]);
}
