import type { SignatureAlgorithm } from "./algorithms";
import { contextTag, encodeElement, encodeSequence, TAG } from "./der";
import { signatureAlgorithmIdentifier } from "./signing-key";
import { encodeTime } from "./time";

/** The fields of a TBSCertificate, each already checked or encoded by the caller. */
export interface TbsCertificateFields {
  /** Hex of the serial INTEGER's content octets: positive and minimal. */
  serialNumber: string;
  signatureAlgorithm: SignatureAlgorithm;
  /** DER Name, written as it is. */
  issuerName: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** DER Name, written as it is. */
  subjectName: Buffer;
  /** DER SubjectPublicKeyInfo, written as it is. */
  publicKeySpki: Buffer;
  /** DER Extensions, in order; at least one. */
  extensions: readonly Buffer[];
}

// version [0] EXPLICIT INTEGER v3(2)
const VERSION_3 = encodeElement(contextTag(0), encodeElement(TAG.integer, Buffer.from([2])));

/**
 * RFC 5280 4.1.2's TBSCertificate, v3. Names and the key are copied byte for byte, so an
 * issuer name always equals the CA certificate's subject, which chain building relies on.
 */
export function encodeTbsCertificate(fields: TbsCertificateFields): Buffer {
  return encodeSequence([
    VERSION_3,
    encodeElement(TAG.integer, Buffer.from(fields.serialNumber, "hex")),
    signatureAlgorithmIdentifier(fields.signatureAlgorithm),
    fields.issuerName,
    encodeSequence([encodeTime(fields.notBefore), encodeTime(fields.notAfter)]),
    fields.subjectName,
    fields.publicKeySpki,
    encodeElement(contextTag(3), encodeSequence(fields.extensions)),
  ]);
}
