import type { SignatureAlgorithm } from "./algorithms";
import { contextTag, encodeElement, encodeSequence, TAG } from "./der";
import { PkiError } from "./errors";
import {
  authorityKeyIdentifierExtension,
  crlNumberExtension,
  reasonCodeExtension,
} from "./extensions";
import { encodePem } from "./pem";
import { type RevocationReason, reasonCodeToEncode } from "./revocation-reason";
import { serialNumberContent } from "./serial-number";
import { checkSignatureAlgorithm, type SignerSource, signerFor } from "./signer";
import { signatureAlgorithmIdentifier, signStructure } from "./signing-key";
import { checkDate, encodeTime, isLaterInSeconds } from "./time";

export interface CrlEntry {
  /** Hex, as parseCertificate or generateSerialNumber give it. */
  serialNumber: string;
  revokedAt: Date;
  reason: RevocationReason;
}

export interface CrlInput {
  /** The issuing CA, as stored or prepared with prepareSigner. */
  issuer: SignerSource;
  signatureAlgorithm: SignatureAlgorithm;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Non-negative, at most 20 octets (RFC 5280 5.2.3); callers keep it increasing. */
  crlNumber: bigint | number;
  entries: CrlEntry[];
}

// RFC 5280 5.2.3: "CRL numbers ... MUST NOT use CRLNumber values longer than 20 octets".
const CRL_NUMBER_LIMIT = 1n << 159n;
const VERSION_2 = encodeElement(TAG.integer, Buffer.from([1]));

function checkCrlNumber(crlNumber: bigint | number): bigint {
  const valid =
    (typeof crlNumber === "bigint" && crlNumber >= 0n && crlNumber < CRL_NUMBER_LIMIT) ||
    (typeof crlNumber === "number" && Number.isSafeInteger(crlNumber) && crlNumber >= 0);
  if (!valid) {
    throw new PkiError(
      "crlNumber must be a non-negative integer of at most 20 octets",
      "crlNumber",
    );
  }
  return BigInt(crlNumber);
}

function encodeEntries(entries: CrlEntry[]): Buffer[] {
  if (!Array.isArray(entries)) throw new PkiError("entries must be an array", "entries");
  // RFC 5280 5.1.2.6: with nothing revoked the list is left out, not written empty.
  if (entries.length === 0) return [];
  const seen = new Set<string>();
  // One reasonCode extension list per code, shared by every entry with that reason.
  const reasonExtensions = new Map<number, Buffer>();
  const extensionsFor = (code: number) => {
    let encoded = reasonExtensions.get(code);
    if (!encoded) {
      encoded = encodeSequence([reasonCodeExtension(code)]);
      reasonExtensions.set(code, encoded);
    }
    return encoded;
  };
  const encoded = entries.map((entry) => {
    const serial = serialNumberContent(entry?.serialNumber, "entries");
    const key = serial.toString("hex");
    if (seen.has(key)) throw new PkiError(`serial number ${key} is listed twice`, "entries");
    seen.add(key);
    checkDate(entry.revokedAt, "entries");
    const code = reasonCodeToEncode(entry.reason, "entries");
    return encodeSequence([
      encodeElement(TAG.integer, serial),
      encodeTime(entry.revokedAt),
      ...(code === null ? [] : [extensionsFor(code)]),
    ]);
  });
  return [encodeSequence(encoded)];
}

/**
 * A v2 CRL signed by the issuing CA, as DER and "X509 CRL" PEM. The issuer name is the CA
 * certificate's subject byte for byte; extensions: AKI (= the CA's SKI) and CRL Number, both
 * non-critical. Each entry carries its revocation date and a reasonCode entry extension, except
 * UNSPECIFIED, which RFC 5280 5.3.1 says to express by omitting the reasonCode. Entries keep
 * their order. Throws PkiError naming the field for a CA not allowed to sign CRLs (CA:TRUE,
 * cRLSign), a key that does not match it, a signature algorithm that does not fit the key,
 * nextUpdate not after thisUpdate, a bad crlNumber, or an entry with a bad or repeated serial
 * number, date or reason.
 */
export async function createCrl(input: CrlInput): Promise<{ der: Buffer; pem: string }> {
  const signer = signerFor(input.issuer, "issuer", "crls");
  checkSignatureAlgorithm(input.signatureAlgorithm, signer.keyAlgorithm);
  checkDate(input.thisUpdate, "thisUpdate");
  checkDate(input.nextUpdate, "nextUpdate");
  if (!isLaterInSeconds(input.nextUpdate, input.thisUpdate)) {
    throw new PkiError("nextUpdate must be later than thisUpdate", "nextUpdate");
  }
  const crlNumber = checkCrlNumber(input.crlNumber);
  const revoked = encodeEntries(input.entries);

  const extensions = [
    authorityKeyIdentifierExtension(signer.keyIdentifier),
    crlNumberExtension(crlNumber),
  ];
  // Assembled here rather than by x509's CRL generator, whose duplicate-serial check is
  // quadratic: 20,000 entries took over a minute there.
  const tbs = encodeSequence([
    VERSION_2,
    signatureAlgorithmIdentifier(input.signatureAlgorithm),
    signer.subjectName,
    encodeTime(input.thisUpdate),
    encodeTime(input.nextUpdate),
    ...revoked,
    encodeElement(contextTag(0), encodeSequence(extensions)),
  ]);
  const der = await signStructure({
    tbs,
    key: signer.key,
    signatureAlgorithm: input.signatureAlgorithm,
  });
  // PEM on demand: for 100,000 entries it is 7 MB of base64 the store never needs.
  return {
    der,
    get pem() {
      return encodePem("X509 CRL", der);
    },
  };
}
