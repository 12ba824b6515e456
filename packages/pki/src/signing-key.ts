import { webcrypto } from "node:crypto";
import type { KeyAlgorithm, SignatureAlgorithm } from "./algorithms";
import { keyFamily } from "./algorithms";
import { PkiError } from "./errors";

// @peculiar/x509 signs through WebCrypto; node's implementation runs on the libuv pool.
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
