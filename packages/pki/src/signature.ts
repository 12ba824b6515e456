import { createPublicKey, verify } from "node:crypto";
import { children, decodeOid, readOnly, TAG } from "./der";
import { PkiError } from "./errors";

// Digest per signature algorithm OID; null means the algorithm hashes internally (EdDSA).
// RSASSA-PSS is absent: certq never issues it, and its parameters would need their own parser.
const DIGESTS: Record<string, string | null> = {
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.14": "sha224",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.1": "sha1",
  "1.2.840.10045.4.3.1": "sha224",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.3.101.112": null,
  "1.3.101.113": null,
};

/** The OID of a DER AlgorithmIdentifier. */
export function algorithmOid(algorithmIdentifier: Buffer): string {
  const [oid] = children(readOnly(algorithmIdentifier, TAG.sequence));
  if (!oid) throw new PkiError("empty AlgorithmIdentifier");
  return decodeOid(oid);
}

/**
 * Whether `signature` over `data` verifies with the SubjectPublicKeyInfo `spki`. Synchronous
 * node crypto: verification is fast, and it lets certificate parsing stay synchronous.
 * Throws PkiError for a signature algorithm certq cannot check.
 */
export function verifySignature(args: {
  algorithmIdentifier: Buffer;
  data: Buffer;
  signature: Buffer;
  spki: Buffer;
}): boolean {
  const oid = algorithmOid(args.algorithmIdentifier);
  const digest = DIGESTS[oid];
  if (digest === undefined) throw new PkiError(`unsupported signature algorithm ${oid}`);
  try {
    const key = createPublicKey({ key: args.spki, format: "der", type: "spki" });
    return verify(digest, args.data, { key, dsaEncoding: "der" }, args.signature);
  } catch {
    // A key of the wrong family for the algorithm, or a malformed signature: not a valid one.
    return false;
  }
}
