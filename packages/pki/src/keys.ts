import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  generateKeyPair as nodeGenerateKeyPair,
} from "node:crypto";
import type { KeyAlgorithm } from "./algorithms";
import { children, type DerElement, readOnly, TAG } from "./der";
import {
  canonicalEcSpkiAlgorithm,
  EC_CURVES,
  encodeEcKeyPair,
  isEcKeyAlgorithm,
} from "./ec-key-encoding";
import { PkiError } from "./errors";
import { encodePem } from "./pem";

export interface GeneratedKeyPair {
  algorithm: KeyAlgorithm;
  /** PKCS#8 PrivateKeyInfo, DER. */
  privateKeyPkcs8: Buffer;
  /** SubjectPublicKeyInfo, DER. */
  publicKeySpki: Buffer;
}

const RSA_BITS: Partial<Record<KeyAlgorithm, number>> = {
  RSA_2048: 2048,
  RSA_3072: 3072,
  RSA_4096: 4096,
};

const RSA_PUBLIC_EXPONENT = 0x10001;

const DER_ENCODINGS = {
  publicKeyEncoding: { type: "spki", format: "der" },
  privateKeyEncoding: { type: "pkcs8", format: "der" },
} as const;

/** On libuv's pool: RSA takes 50 ms to over a second, P-384 0.6 ms, P-521 1.2 ms. */
function generateOnPool(algorithm: KeyAlgorithm): Promise<GeneratedKeyPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKeySpki: Buffer, privateKeyPkcs8: Buffer) => {
      if (error) reject(error);
      else resolve({ algorithm, privateKeyPkcs8, publicKeySpki });
    };
    const modulusLength = RSA_BITS[algorithm];
    if (modulusLength !== undefined) {
      const options = { modulusLength, publicExponent: RSA_PUBLIC_EXPONENT, ...DER_ENCODINGS };
      nodeGenerateKeyPair("rsa", options, done);
    } else if (isEcKeyAlgorithm(algorithm)) {
      nodeGenerateKeyPair("ec", { namedCurve: EC_CURVES[algorithm].name, ...DER_ENCODINGS }, done);
    } else {
      reject(new PkiError(`unsupported key algorithm ${String(algorithm)}`, "keyAlgorithm"));
    }
  });
}

/**
 * P-256 on the caller's thread: about 30 µs, less than an async job costs the event loop
 * anyway (some 15 µs to set it up, 20 µs to export the fresh key) and under half its total
 * CPU. createECDH hands out the raw scalar and point, so no DER export is needed either.
 */
function generateP256(): GeneratedKeyPair {
  const ecdh = createECDH(EC_CURVES.EC_prime256v1.name);
  const publicPoint = ecdh.generateKeys();
  return {
    algorithm: "EC_prime256v1",
    ...encodeEcKeyPair("EC_prime256v1", ecdh.getPrivateKey(), publicPoint),
  };
}

/**
 * Generates a key pair. Only P-256 (30 µs) is made synchronously; everything slower runs on
 * libuv's thread pool (never a *Sync variant), so even RSA-4096, which takes over a second,
 * does not stall the caller's event loop.
 */
export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<GeneratedKeyPair> {
  return algorithm === "EC_prime256v1" ? generateP256() : generateOnPool(algorithm);
}

const PKCS8_VERSIONS = new Set(["00", "01"]); // v1 (RFC 5208) and v2 (RFC 5958)

function isPkcs8Structure(pkcs8: Buffer): boolean {
  let items: DerElement[];
  try {
    items = children(readOnly(pkcs8, TAG.sequence));
  } catch {
    return false;
  }
  const [version, algorithm, privateKey] = items;
  return (
    version?.tag === TAG.integer &&
    PKCS8_VERSIONS.has(version.content.toString("hex")) &&
    algorithm?.tag === TAG.sequence &&
    algorithm.content[0] === TAG.oid &&
    privateKey?.tag === TAG.octetString &&
    privateKey.content.length > 0
  );
}

/**
 * PKCS#8 "PRIVATE KEY" PEM of exactly these DER bytes. Checked to be PKCS#8 in structure only:
 * parsing the key would cost 0.3 ms, and the bytes come from our own generator or envelope.
 */
export function privateKeyPem(pkcs8: Buffer): string {
  if (!Buffer.isBuffer(pkcs8) || !isPkcs8Structure(pkcs8)) {
    throw new PkiError("private key is not a valid DER PKCS#8 key", "privateKey");
  }
  return encodePem("PRIVATE KEY", pkcs8);
}

function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | null {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") {
    const match = Object.entries(RSA_BITS).find(([, bits]) => bits === details.modulusLength);
    return match ? (match[0] as KeyAlgorithm) : null;
  }
  if (key.asymmetricKeyType === "ec") {
    const match = Object.entries(EC_CURVES).find(([, curve]) => curve.name === details.namedCurve);
    return match ? (match[0] as KeyAlgorithm) : null;
  }
  return null;
}

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  const size = details.modulusLength ?? details.namedCurve;
  return size === undefined ? String(key.asymmetricKeyType) : `${key.asymmetricKeyType} ${size}`;
}

function parsePublicKey(spki: Buffer, field: string): KeyObject {
  try {
    // OpenSSL ignores bytes after the key, but a certificate embeds the SPKI as it is.
    readOnly(spki, TAG.sequence);
    return createPublicKey({ key: spki, format: "der", type: "spki" });
  } catch {
    throw new PkiError("public key is not a valid DER SubjectPublicKeyInfo", field);
  }
}

/** The private key as a KeyObject; PkiError on `field` when it is not a PKCS#8 key. */
export function parsePrivateKey(pkcs8: Buffer, field: string): KeyObject {
  try {
    return createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  } catch {
    throw new PkiError("private key is not a valid DER PKCS#8 key", field);
  }
}

/**
 * The key algorithm of a SubjectPublicKeyInfo. Throws PkiError for anything certq does not
 * issue with (RSA other than 2048/3072/4096, RSA-PSS keys, Ed25519, other curves).
 */
export function keyAlgorithmOfSpki(spki: Buffer, field = "publicKey"): KeyAlgorithm {
  // The EC keys certq generates, and most others, are recognised without a full parse.
  const canonical = Buffer.isBuffer(spki) ? canonicalEcSpkiAlgorithm(spki) : null;
  if (canonical) return canonical;
  return keyAlgorithmOfKeyObject(parsePublicKey(spki, field), field);
}

/** The key algorithm of a KeyObject; PkiError on `field` for keys certq does not use. */
export function keyAlgorithmOfKeyObject(key: KeyObject, field: string): KeyAlgorithm {
  const algorithm = keyAlgorithmOf(key);
  if (!algorithm) throw new PkiError(`unsupported ${key.type} key (${describeKey(key)})`, field);
  return algorithm;
}

/** The key algorithm of a PKCS#8 private key; throws PkiError as keyAlgorithmOfSpki does. */
export function keyAlgorithmOfPrivateKey(pkcs8: Buffer, field = "privateKey"): KeyAlgorithm {
  return keyAlgorithmOfKeyObject(parsePrivateKey(pkcs8, field), field);
}

/** Whether the private key is the other half of the SPKI; false for an unparsable SPKI. */
export function keyObjectMatchesSpki(privateKey: KeyObject, spki: Buffer): boolean {
  try {
    const given = createPublicKey({ key: spki, format: "der", type: "spki" });
    return createPublicKey(privateKey).equals(given);
  } catch {
    return false;
  }
}

/** Whether the private key is the other half of the public key; false for unparsable input. */
export function privateKeyMatchesPublicKey(pkcs8: Buffer, spki: Buffer): boolean {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  } catch {
    return false;
  }
  return keyObjectMatchesSpki(privateKey, spki);
}
