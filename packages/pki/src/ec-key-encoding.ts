// EC keys as DER without asking OpenSSL to encode or parse them: node's SPKI export takes
// about 100 µs and its PKCS#8 export 50 µs, while these structures are fixed around the
// private scalar and the public point; and a canonical SPKI can be recognised by its bytes.
import { ECDH } from "node:crypto";
import type { KeyAlgorithm } from "./algorithms";
import { encodeElement, encodeOid, encodeSequence, TAG } from "./der";

export type EcKeyAlgorithm = "EC_prime256v1" | "EC_secp384r1" | "EC_secp521r1";

interface Curve {
  /** OpenSSL's name, which node reports and which is also Infisical's suffix. */
  name: string;
  oid: string;
  /** Octets of a coordinate and of the private scalar, zero-padded. */
  size: number;
}

export const EC_CURVES: Record<EcKeyAlgorithm, Curve> = {
  EC_prime256v1: { name: "prime256v1", oid: "1.2.840.10045.3.1.7", size: 32 },
  EC_secp384r1: { name: "secp384r1", oid: "1.3.132.0.34", size: 48 },
  EC_secp521r1: { name: "secp521r1", oid: "1.3.132.0.35", size: 66 },
};

export function isEcKeyAlgorithm(algorithm: KeyAlgorithm): algorithm is EcKeyAlgorithm {
  return Object.hasOwn(EC_CURVES, algorithm);
}

const UNCOMPRESSED_POINT = 0x04;
const EC_PUBLIC_KEY = encodeOid("1.2.840.10045.2.1");
const ALGORITHM_IDENTIFIERS = Object.fromEntries(
  Object.entries(EC_CURVES).map(([algorithm, curve]) => [
    algorithm,
    encodeSequence([EC_PUBLIC_KEY, encodeOid(curve.oid)]),
  ]),
) as Record<EcKeyAlgorithm, Buffer>;
const PKCS8_VERSION = encodeElement(TAG.integer, Buffer.from([0]));
const EC_PRIVATE_KEY_VERSION = encodeElement(TAG.integer, Buffer.from([1]));
const PUBLIC_KEY_TAG = 0xa1; // ECPrivateKey publicKey [1] EXPLICIT BIT STRING

/**
 * The DER PKCS#8 and SPKI of an EC key pair, byte for byte what node's exports produce: an
 * ECPrivateKey (RFC 5915) with its public key and without the curve, which the PKCS#8
 * AlgorithmIdentifier already names, as OpenSSL 3 writes it. `privateScalar` may come
 * unpadded (as ECDH.getPrivateKey gives it); `publicPoint` is uncompressed, 04 || x || y.
 */
export function encodeEcKeyPair(
  algorithm: EcKeyAlgorithm,
  privateScalar: Buffer,
  publicPoint: Buffer,
): { privateKeyPkcs8: Buffer; publicKeySpki: Buffer } {
  const { size } = EC_CURVES[algorithm];
  if (
    privateScalar.length > size ||
    publicPoint.length !== 1 + 2 * size ||
    publicPoint[0] !== UNCOMPRESSED_POINT
  ) {
    throw new Error(`internal error: not a ${algorithm} key pair`);
  }
  // RFC 5915: privateKey is the scalar zero-padded to the size of the curve's order.
  const d = Buffer.alloc(size);
  privateScalar.copy(d, size - privateScalar.length);
  const publicKey = encodeElement(TAG.bitString, Buffer.concat([Buffer.from([0]), publicPoint]));
  const ecPrivateKey = encodeSequence([
    EC_PRIVATE_KEY_VERSION,
    encodeElement(TAG.octetString, d),
    encodeElement(PUBLIC_KEY_TAG, publicKey),
  ]);
  const algorithmIdentifier = ALGORITHM_IDENTIFIERS[algorithm];
  return {
    privateKeyPkcs8: encodeSequence([
      PKCS8_VERSION,
      algorithmIdentifier,
      encodeElement(TAG.octetString, ecPrivateKey),
    ]),
    publicKeySpki: encodeSequence([algorithmIdentifier, publicKey]),
  };
}

// Everything of a canonical SPKI up to and including the 04 that starts the point.
const SPKI_PREFIXES = (Object.keys(EC_CURVES) as EcKeyAlgorithm[]).map((algorithm) => {
  const { size } = EC_CURVES[algorithm];
  const point = Buffer.alloc(1 + 2 * size);
  point[0] = UNCOMPRESSED_POINT;
  const { publicKeySpki } = encodeEcKeyPair(algorithm, Buffer.alloc(size), point);
  return {
    algorithm,
    prefix: publicKeySpki.subarray(0, publicKeySpki.length - 2 * size),
    length: publicKeySpki.length,
  };
});

/**
 * The curve of an SPKI that is exactly the DER node writes for a named-curve key with an
 * uncompressed point on that curve; null for anything else (other encodings and algorithms,
 * and invalid keys alike), which the caller must then parse in full.
 */
export function canonicalEcSpkiAlgorithm(spki: Buffer): EcKeyAlgorithm | null {
  for (const { algorithm, prefix, length } of SPKI_PREFIXES) {
    if (spki.length !== length || spki.compare(prefix, 0, prefix.length, 0, prefix.length) !== 0) {
      continue;
    }
    try {
      // OpenSSL's point decoding refuses coordinates outside the field and points off the
      // curve, as createPublicKey would, for a tenth of its cost.
      ECDH.convertKey(spki.subarray(prefix.length - 1), EC_CURVES[algorithm].name);
      return algorithm;
    } catch {
      return null;
    }
  }
  return null;
}
