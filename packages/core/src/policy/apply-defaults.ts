import { defaultSignatureAlgorithm, type KeyAlgorithm, type SignatureAlgorithm } from "@certq/pki";
import type { ProfileDefaults } from "./profile-schema";

/** The fields a request may leave to its profile: the shape of a profile's defaults. */
export type DefaultableFields = ProfileDefaults;

/** Every defaultable field decided; ttl may stay undefined (the caller decides then). */
export type ResolvedFields = Required<Omit<ProfileDefaults, "ttl">> & Pick<ProfileDefaults, "ttl">;

const isRsa = (key: KeyAlgorithm) => key.startsWith("RSA_");
const suits = (signature: SignatureAlgorithm, key: KeyAlgorithm) =>
  signature.startsWith("RSA-") === isRsa(key);

/**
 * Fills the fields a request left undefined from the profile's defaults, then from
 * certq's: RSA_2048; the signing CA key's customary signature; digital_signature
 * (+ key_encipherment for RSA keys); no extended key usages. A value the request gives
 * always wins, even `[]`. The signature is made by the CA's key, so a default signature
 * algorithm of the other family than that key is skipped rather than producing an
 * impossible pair.
 */
export function applyDefaults(
  defaults: DefaultableFields,
  request: DefaultableFields,
  signingKeyAlgorithm: KeyAlgorithm,
): ResolvedFields {
  const keyAlgorithm = request.keyAlgorithm ?? defaults.keyAlgorithm ?? "RSA_2048";
  const defaultSignature =
    defaults.signatureAlgorithm && suits(defaults.signatureAlgorithm, signingKeyAlgorithm)
      ? defaults.signatureAlgorithm
      : defaultSignatureAlgorithm(signingKeyAlgorithm);
  return {
    ttl: request.ttl ?? defaults.ttl,
    keyAlgorithm,
    signatureAlgorithm: request.signatureAlgorithm ?? defaultSignature,
    keyUsages:
      request.keyUsages ??
      defaults.keyUsages ??
      (isRsa(keyAlgorithm) ? ["digital_signature", "key_encipherment"] : ["digital_signature"]),
    extendedKeyUsages: request.extendedKeyUsages ?? defaults.extendedKeyUsages ?? [],
  };
}
