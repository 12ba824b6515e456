import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  generateKeyPair as nodeGenerateKeyPair,
} from "node:crypto";
import type { KeyAlgorithm } from "./algorithms";
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

// Node reports curves under their OpenSSL names, which are also Infisical's suffixes.
const EC_CURVES: Partial<Record<KeyAlgorithm, string>> = {
  EC_prime256v1: "prime256v1",
  EC_secp384r1: "secp384r1",
  EC_secp521r1: "secp521r1",
};

const RSA_PUBLIC_EXPONENT = 0x10001;

/**
 * Generates a key pair on libuv's thread pool (never the *Sync variant), so even RSA-4096,
 * which takes over a second, does not stall the caller's event loop.
 */
export function generateKeyPair(algorithm: KeyAlgorithm): Promise<GeneratedKeyPair> {
  const encodings = {
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "pkcs8", format: "der" },
  } as const;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: Buffer, privateKey: Buffer) => {
      if (error) reject(error);
      else resolve({ algorithm, privateKeyPkcs8: privateKey, publicKeySpki: publicKey });
    };
    const modulusLength = RSA_BITS[algorithm];
    const namedCurve = EC_CURVES[algorithm];
    if (modulusLength !== undefined) {
      nodeGenerateKeyPair(
        "rsa",
        { modulusLength, publicExponent: RSA_PUBLIC_EXPONENT, ...encodings },
        done,
      );
    } else if (namedCurve !== undefined) {
      nodeGenerateKeyPair("ec", { namedCurve, ...encodings }, done);
    } else {
      reject(new PkiError(`unsupported key algorithm ${String(algorithm)}`, "keyAlgorithm"));
    }
  });
}

/** PKCS#8 "PRIVATE KEY" PEM of exactly these DER bytes (checked to be a private key). */
export function privateKeyPem(pkcs8: Buffer): string {
  parsePrivateKey(pkcs8, "privateKey");
  return encodePem("PRIVATE KEY", pkcs8);
}

function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | null {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") {
    const match = Object.entries(RSA_BITS).find(([, bits]) => bits === details.modulusLength);
    return match ? (match[0] as KeyAlgorithm) : null;
  }
  if (key.asymmetricKeyType === "ec") {
    const match = Object.entries(EC_CURVES).find(([, curve]) => curve === details.namedCurve);
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
    return createPublicKey({ key: spki, format: "der", type: "spki" });
  } catch {
    throw new PkiError("public key is not a valid DER SubjectPublicKeyInfo", field);
  }
}

function parsePrivateKey(pkcs8: Buffer, field: string): KeyObject {
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
  const key = parsePublicKey(spki, field);
  const algorithm = keyAlgorithmOf(key);
  if (!algorithm) throw new PkiError(`unsupported public key (${describeKey(key)})`, field);
  return algorithm;
}

/** The key algorithm of a PKCS#8 private key; throws PkiError as keyAlgorithmOfSpki does. */
export function keyAlgorithmOfPrivateKey(pkcs8: Buffer, field = "privateKey"): KeyAlgorithm {
  const key = parsePrivateKey(pkcs8, field);
  const algorithm = keyAlgorithmOf(key);
  if (!algorithm) throw new PkiError(`unsupported private key (${describeKey(key)})`, field);
  return algorithm;
}

/** Whether the private key is the other half of the public key; false for unparsable input. */
export function privateKeyMatchesPublicKey(pkcs8: Buffer, spki: Buffer): boolean {
  try {
    const fromPrivate = createPublicKey(
      createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }),
    );
    const given = createPublicKey({ key: spki, format: "der", type: "spki" });
    return fromPrivate.equals(given);
  } catch {
    return false;
  }
}
