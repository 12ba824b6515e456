/** Key algorithms under the names Infisical's API uses. */
export const KEY_ALGORITHMS = [
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "EC_prime256v1",
  "EC_secp384r1",
  "EC_secp521r1",
] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** Signature algorithms under the names Infisical's API uses. */
export const SIGNATURE_ALGORITHMS = [
  "RSA-SHA256",
  "RSA-SHA384",
  "RSA-SHA512",
  "ECDSA-SHA256",
  "ECDSA-SHA384",
  "ECDSA-SHA512",
] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

export type KeyFamily = "RSA" | "EC";

export function keyFamily(algorithm: KeyAlgorithm): KeyFamily {
  return algorithm.startsWith("RSA_") ? "RSA" : "EC";
}

export function signatureFamily(algorithm: SignatureAlgorithm): KeyFamily {
  return algorithm.startsWith("RSA-") ? "RSA" : "EC";
}

/** A signature algorithm fits a key when both are RSA or both are EC. */
export function signatureAlgorithmFits(signature: SignatureAlgorithm, key: KeyAlgorithm): boolean {
  return signatureFamily(signature) === keyFamily(key);
}

/** The customary signature for a key: SHA-256 for RSA, the curve's own strength for EC. */
export function defaultSignatureAlgorithm(key: KeyAlgorithm): SignatureAlgorithm {
  switch (key) {
    case "EC_prime256v1":
      return "ECDSA-SHA256";
    case "EC_secp384r1":
      return "ECDSA-SHA384";
    case "EC_secp521r1":
      return "ECDSA-SHA512";
    default:
      return "RSA-SHA256";
  }
}
