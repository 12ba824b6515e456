import { createHash } from "node:crypto";
import type { SignatureAlgorithm } from "./algorithms";
import { parseCertificateDetails } from "./certificate-info";
import {
  children,
  contextTag,
  type DerElement,
  DerError,
  decodeOid,
  encodeElement,
  encodeOid,
  encodeSequence,
  hasMinimalLength,
  readOnly,
  TAG,
} from "./der";
import { asPkiError, PkiError } from "./errors";
import { encodeExtension } from "./extensions";
import { subjectKeyIdentifier, subjectPublicKeyBits } from "./key-identifier";
import { type RevocationReason, reasonCodeToEncode } from "./revocation-reason";
import { serialNumberContent } from "./serial-number";
import {
  checkSignatureAlgorithm,
  type PreparedSigner,
  type SignerSource,
  signerFor,
} from "./signer";
import { signStructure } from "./signing-key";
import { checkDate, encodeGeneralizedTime, isLaterInSeconds } from "./time";

// The CertID hashes certq can check. OpenSSL asks with SHA-1 unless told otherwise.
const HASH_ALGORITHMS = {
  "SHA-1": { oid: "1.3.14.3.2.26", digest: "sha1", length: 20 },
  "SHA-256": { oid: "2.16.840.1.101.3.4.2.1", digest: "sha256", length: 32 },
  "SHA-384": { oid: "2.16.840.1.101.3.4.2.2", digest: "sha384", length: 48 },
  "SHA-512": { oid: "2.16.840.1.101.3.4.2.3", digest: "sha512", length: 64 },
} as const;
export type OcspHashAlgorithm = keyof typeof HASH_ALGORITHMS;

/** One certificate a request asks about (its CertID). */
export interface OcspRequestEntry {
  /** Hash of the issuer's DER subject name. */
  issuerNameHash: Buffer;
  /** Hash of the issuer's subjectPublicKey BIT STRING value. */
  issuerKeyHash: Buffer;
  hashAlgorithm: OcspHashAlgorithm;
  /** Lowercase hex of the serial INTEGER's content octets, as parseCertificate gives it. */
  serialNumber: string;
}

export interface ParsedOcspRequest {
  requests: OcspRequestEntry[];
  /** The nonce's octets (RFC 8954: 1 to 32), or null when the request has none. */
  nonce: Buffer | null;
}

export type OcspCertificateStatus =
  | { kind: "good" }
  | { kind: "revoked"; revokedAt: Date; reason: RevocationReason }
  | { kind: "unknown" };

export interface OcspSingleResponse {
  request: OcspRequestEntry;
  status: OcspCertificateStatus;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export interface OcspResponseInput {
  /** The issuing CA itself (no delegated responder), as stored or prepared with prepareSigner. */
  signer: SignerSource;
  signatureAlgorithm: SignatureAlgorithm;
  producedAt: Date;
  responses: OcspSingleResponse[];
  /** The request's nonce, echoed in the response when given. */
  nonce?: Buffer | null;
}

const OCSP_ERROR_STATUSES = {
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  unauthorized: 6,
} as const;
export type OcspErrorStatus = keyof typeof OCSP_ERROR_STATUSES;

const OIDS = {
  nonce: "1.3.6.1.5.5.7.48.1.2",
  basicResponse: "1.3.6.1.5.5.7.48.1.1",
} as const;

// Clients ask about one certificate, rarely a few; the bound caps what one request costs.
const MAX_REQUESTS = 100;
// RFC 8954 2.1: Nonce ::= OCTET STRING (SIZE(1..32)), other lengths are malformedRequest.
const MAX_NONCE_LENGTH = 32;

const NULL = encodeElement(TAG.null, Buffer.alloc(0));
const SUCCESSFUL = encodeElement(TAG.enumerated, Buffer.from([0]));
// CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo,
//   unknown [2] IMPLICIT NULL }
const GOOD = encodeElement(0x80, Buffer.alloc(0));
const UNKNOWN = encodeElement(0x82, Buffer.alloc(0));

function notDer(): never {
  throw new DerError("not a DER-encoded OCSPRequest");
}

/** Children of a constructed element, each with the minimal length encoding DER requires. */
function items(element: DerElement): DerElement[] {
  const list = children(element);
  for (const child of list) if (!hasMinimalLength(child)) notDer();
  return list;
}

/** A part that is accepted and ignored (requestorName, the signature) is still DER, whole. */
function checkDer(element: DerElement): void {
  for (const child of items(element)) if (child.tag & 0x20) checkDer(child);
}

/** The next child if it has `tag`, consumed from `list`. */
function optional(list: DerElement[], tag: number): DerElement | undefined {
  if (list[0]?.tag !== tag) return undefined;
  return list.shift();
}

function required(list: DerElement[], tag: number): DerElement {
  return optional(list, tag) ?? notDer();
}

function end(list: DerElement[]): void {
  if (list.length > 0) notDer();
}

function only(element: DerElement, tag: number): DerElement {
  const list = items(element);
  const inner = required(list, tag);
  end(list);
  return inner;
}

function readHashAlgorithm(algorithm: DerElement): OcspHashAlgorithm {
  const parts = items(algorithm);
  const oid = decodeOid(required(parts, TAG.oid));
  const parameters = parts.shift();
  end(parts);
  if (parameters && !parameters.raw.equals(NULL)) {
    throw new DerError("malformed CertID hashAlgorithm");
  }
  const name = (Object.keys(HASH_ALGORITHMS) as OcspHashAlgorithm[]).find(
    (candidate) => HASH_ALGORITHMS[candidate].oid === oid,
  );
  if (!name) throw new DerError(`unsupported CertID hash algorithm ${oid}`);
  return name;
}

// CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING, issuerKeyHash OCTET
//   STRING, serialNumber INTEGER }
function readCertId(certId: DerElement): OcspRequestEntry {
  const parts = items(certId);
  const hashAlgorithm = readHashAlgorithm(required(parts, TAG.sequence));
  const issuerNameHash = Buffer.from(required(parts, TAG.octetString).content);
  const issuerKeyHash = Buffer.from(required(parts, TAG.octetString).content);
  const serial = required(parts, TAG.integer).content;
  end(parts);
  const { length } = HASH_ALGORITHMS[hashAlgorithm];
  for (const hash of [issuerNameHash, issuerKeyHash]) {
    if (hash.length !== length) {
      throw new DerError(`a CertID ${hashAlgorithm} hash is not ${length} bytes`);
    }
  }
  const serialNumber = serial.toString("hex");
  serialNumberContent(serialNumber, "ocspRequest");
  return { issuerNameHash, issuerKeyHash, hashAlgorithm, serialNumber };
}

// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension; Extension ::= SEQUENCE { extnID OID,
//   critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. The extnValue of each.
function readExtensions(wrapper: DerElement | undefined): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  if (!wrapper) return values;
  const list = items(only(wrapper, TAG.sequence));
  if (list.length === 0) notDer();
  for (const extension of list) {
    if (extension.tag !== TAG.sequence) notDer();
    const parts = items(extension);
    const id = decodeOid(required(parts, TAG.oid));
    const critical = optional(parts, TAG.boolean);
    // DER: a DEFAULT value is left out, and TRUE is 0xff.
    if (critical && !(critical.content.length === 1 && critical.content[0] === 0xff)) notDer();
    const value = required(parts, TAG.octetString).content;
    end(parts);
    if (values.has(id)) throw new DerError("an extension appears twice");
    values.set(id, value);
  }
  return values;
}

function readNonce(extensions: Map<string, Buffer>): Buffer | null {
  const value = extensions.get(OIDS.nonce);
  if (!value) return null;
  const nonce = readOnly(value, TAG.octetString).content;
  if (nonce.length === 0 || nonce.length > MAX_NONCE_LENGTH) {
    throw new DerError(`the nonce must be 1 to ${MAX_NONCE_LENGTH} octets (RFC 8954)`);
  }
  return Buffer.from(nonce);
}

/**
 * RFC 6960 4.1.1, read with our DER reader: OCSPRequest ::= SEQUENCE { tbsRequest,
 * optionalSignature [0] OPTIONAL }; TBSRequest ::= SEQUENCE { version [0] DEFAULT v1,
 * requestorName [1] OPTIONAL, requestList SEQUENCE OF Request, requestExtensions [2]
 * OPTIONAL }; Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] OPTIONAL }.
 * Only DER is accepted (minimal lengths, defaults left out). A signature and requestorName
 * are allowed and ignored. (asn1-schema's parser, with a re-encoding to check the bytes, was
 * about 45 % of the CPU of an OCSP answer not found in the cache.)
 */
function readRequest(der: Buffer): ParsedOcspRequest {
  const outer = items({ tag: 0, raw: der, content: der });
  const request = items(required(outer, TAG.sequence));
  end(outer);
  const tbs = items(required(request, TAG.sequence));
  const signature = optional(request, contextTag(0));
  if (signature) checkDer(signature);
  end(request);
  const version = optional(tbs, contextTag(0));
  if (version) {
    const value = only(version, TAG.integer).content;
    if (value.length === 1 && value[0] === 0) notDer();
    throw new DerError("unsupported OCSP request version");
  }
  const requestorName = optional(tbs, contextTag(1));
  if (requestorName) checkDer(requestorName);
  const requestList = items(required(tbs, TAG.sequence));
  const extensions = readExtensions(optional(tbs, contextTag(2)));
  end(tbs);
  if (requestList.length === 0) throw new DerError("the request asks about no certificate");
  if (requestList.length > MAX_REQUESTS) {
    throw new DerError(`the request asks about more than ${MAX_REQUESTS} certificates`);
  }
  return {
    requests: requestList.map((entry) => {
      if (entry.tag !== TAG.sequence) notDer();
      const parts = items(entry);
      const certId = required(parts, TAG.sequence);
      // singleRequestExtensions (service locator and the like) are checked, then ignored.
      readExtensions(optional(parts, contextTag(0)));
      end(parts);
      return readCertId(certId);
    }),
    nonce: readNonce(extensions),
  };
}

/**
 * Parses a DER OCSPRequest (RFC 6960 4.1): the certificates it asks about and its nonce. A
 * request signature is ignored. Throws PkiError(field "ocspRequest") for anything that is not
 * a well-formed DER request, one asking about no or over 100 certificates, a CertID hash
 * other than SHA-1/256/384/512, or a nonce outside 1 to 32 octets (RFC 8954): all of which
 * deserve a malformedRequest answer.
 */
export function parseOcspRequest(der: Buffer): ParsedOcspRequest {
  if (!Buffer.isBuffer(der)) throw new PkiError("ocspRequest must be DER bytes", "ocspRequest");
  return asPkiError("ocspRequest", "ocspRequest is not a valid OCSP request", () =>
    readRequest(der),
  );
}

/** What a CertID hashes: the issuer's DER subject and its public key. */
type IssuerIdentity = Pick<PreparedSigner, "subjectName" | "publicKeySpki">;

function namesIssuer(request: OcspRequestEntry, issuer: IssuerIdentity): boolean {
  const { digest } = HASH_ALGORITHMS[request.hashAlgorithm];
  const hash = (data: Buffer) => createHash(digest).update(data).digest();
  return (
    hash(issuer.subjectName).equals(request.issuerNameHash) &&
    hash(subjectPublicKeyBits(issuer.publicKeySpki)).equals(request.issuerKeyHash)
  );
}

function checkEntry(request: OcspRequestEntry, field: string): Buffer {
  const algorithm =
    typeof request?.hashAlgorithm === "string" &&
    Object.hasOwn(HASH_ALGORITHMS, request.hashAlgorithm)
      ? HASH_ALGORITHMS[request.hashAlgorithm]
      : null;
  if (!algorithm) {
    throw new PkiError(
      `unsupported hash algorithm ${JSON.stringify(request?.hashAlgorithm)}`,
      field,
    );
  }
  for (const hash of [request.issuerNameHash, request.issuerKeyHash]) {
    if (!Buffer.isBuffer(hash) || hash.length !== algorithm.length) {
      throw new PkiError(
        `issuerNameHash and issuerKeyHash must be ${algorithm.length}-byte ${request.hashAlgorithm} hashes`,
        field,
      );
    }
  }
  return serialNumberContent(request.serialNumber, field);
}

/**
 * Whether the request entry names `issuerCertificatePem` as the issuer: the hash of its DER
 * subject and of its subjectPublicKey BIT STRING value, with the entry's hash algorithm, both
 * equal the entry's. Throws PkiError for an unparsable certificate or a malformed entry.
 */
export function issuerMatches(request: OcspRequestEntry, issuerCertificatePem: string): boolean {
  return createIssuerMatcher(issuerCertificatePem)(request);
}

/**
 * issuerMatches with the certificate parsed once: for a responder that checks every request
 * against the same CAs.
 */
export function createIssuerMatcher(
  issuerCertificatePem: string,
): (request: OcspRequestEntry) => boolean {
  const { parts } = parseCertificateDetails(issuerCertificatePem, "issuer");
  const keyBits = subjectPublicKeyBits(parts.spki);
  const hashes = new Map<OcspHashAlgorithm, { name: Buffer; key: Buffer }>();
  return (request) => {
    checkEntry(request, "request");
    let expected = hashes.get(request.hashAlgorithm);
    if (!expected) {
      const { digest } = HASH_ALGORITHMS[request.hashAlgorithm];
      const hash = (data: Buffer) => createHash(digest).update(data).digest();
      expected = { name: hash(parts.subject), key: hash(keyBits) };
      hashes.set(request.hashAlgorithm, expected);
    }
    return (
      expected.name.equals(request.issuerNameHash) && expected.key.equals(request.issuerKeyHash)
    );
  };
}

function encodeStatus(status: OcspCertificateStatus, field: string): Buffer {
  switch (status?.kind) {
    case "good":
      return GOOD;
    case "unknown":
      return UNKNOWN;
    case "revoked": {
      checkDate(status.revokedAt, field);
      const code = reasonCodeToEncode(status.reason, field);
      // RevokedInfo ::= SEQUENCE { revocationTime, revocationReason [0] EXPLICIT CRLReason
      //   OPTIONAL }
      return encodeElement(
        contextTag(1),
        Buffer.concat([
          encodeGeneralizedTime(status.revokedAt),
          ...(code === null
            ? []
            : [encodeElement(contextTag(0), encodeElement(TAG.enumerated, Buffer.from([code])))]),
        ]),
      );
    }
    default:
      throw new PkiError(
        `unknown certificate status ${JSON.stringify((status as { kind?: unknown })?.kind)}`,
        field,
      );
  }
}

function encodeSingleResponse(response: OcspSingleResponse, signer: IssuerIdentity): Buffer {
  const field = "responses";
  const { request, status, thisUpdate, nextUpdate } = response ?? {};
  const serial = checkEntry(request, field);
  if (status?.kind !== "unknown" && !namesIssuer(request, signer)) {
    // Only the issuer vouches for good or revoked; other issuers' certificates are "unknown".
    throw new PkiError(
      `the CertID of serial ${request.serialNumber} names another issuer than the signer; only "unknown" can be said of it`,
      field,
    );
  }
  checkDate(thisUpdate, field);
  if (nextUpdate !== undefined) {
    checkDate(nextUpdate, field);
    if (!isLaterInSeconds(nextUpdate, thisUpdate)) {
      throw new PkiError("nextUpdate must be later than thisUpdate", field);
    }
  }
  const certId = encodeSequence([
    // With NULL parameters, as OpenSSL writes the CertID it asks with.
    encodeSequence([encodeOid(HASH_ALGORITHMS[request.hashAlgorithm].oid), NULL]),
    encodeElement(TAG.octetString, request.issuerNameHash),
    encodeElement(TAG.octetString, request.issuerKeyHash),
    encodeElement(TAG.integer, serial),
  ]);
  return encodeSequence([
    certId,
    encodeStatus(status, field),
    encodeGeneralizedTime(thisUpdate),
    ...(nextUpdate === undefined
      ? []
      : [encodeElement(contextTag(0), encodeGeneralizedTime(nextUpdate))]),
  ]);
}

function nonceExtensions(nonce: Buffer | null | undefined): Buffer[] {
  if (nonce === null || nonce === undefined) return [];
  if (!Buffer.isBuffer(nonce) || nonce.length === 0 || nonce.length > MAX_NONCE_LENGTH) {
    throw new PkiError(`nonce must be 1 to ${MAX_NONCE_LENGTH} bytes`, "nonce");
  }
  const extension = encodeExtension(OIDS.nonce, false, encodeElement(TAG.octetString, nonce));
  // responseExtensions [1] EXPLICIT Extensions
  return [encodeElement(contextTag(1), encodeSequence([extension]))];
}

/**
 * A successful OCSPResponse (RFC 6960 4.2) carrying a BasicOCSPResponse signed by the issuing
 * CA itself: responderID byKey (SHA-1 of the CA's subjectPublicKey), no certificates (the
 * client has the issuer), the nonce echoed when given, and one SingleResponse per entry, in
 * order, with its CertID as asked (hash parameters NULL). A revoked status carries its reason,
 * except UNSPECIFIED, which is left out as on the CRL. Throws PkiError naming the field for a
 * signer that is not a CA or whose key does not match, a signature algorithm that does not fit
 * the key, no responses, bad dates, a malformed entry, or a good or revoked status for a
 * certificate whose CertID does not name the signer.
 */
export async function createOcspResponse(input: OcspResponseInput): Promise<Buffer> {
  const signer = signerFor(input.signer, "signer", "ocsp");
  checkSignatureAlgorithm(input.signatureAlgorithm, signer.keyAlgorithm);
  checkDate(input.producedAt, "producedAt");
  if (!Array.isArray(input.responses) || input.responses.length === 0) {
    throw new PkiError("responses must list at least one certificate", "responses");
  }
  const singleResponses = input.responses.map((response) => encodeSingleResponse(response, signer));
  const responseData = encodeSequence([
    // version v1 is the DEFAULT, so DER leaves it out. responderID byKey is [2] EXPLICIT KeyHash.
    encodeElement(
      contextTag(2),
      encodeElement(TAG.octetString, subjectKeyIdentifier(signer.publicKeySpki)),
    ),
    encodeGeneralizedTime(input.producedAt),
    encodeSequence(singleResponses),
    ...nonceExtensions(input.nonce),
  ]);
  const basicResponse = await signStructure({
    tbs: responseData,
    key: signer.key,
    signatureAlgorithm: input.signatureAlgorithm,
  });
  return encodeSequence([
    SUCCESSFUL,
    encodeElement(
      contextTag(0),
      encodeSequence([
        encodeOid(OIDS.basicResponse),
        encodeElement(TAG.octetString, basicResponse),
      ]),
    ),
  ]);
}

/** An unsuccessful OCSPResponse: the status alone, unsigned, as RFC 6960 4.2.1 has it. */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  if (typeof status !== "string" || !Object.hasOwn(OCSP_ERROR_STATUSES, status)) {
    throw new PkiError(`unknown OCSP error status ${JSON.stringify(status)}`, "status");
  }
  return encodeSequence([
    encodeElement(TAG.enumerated, Buffer.from([OCSP_ERROR_STATUSES[status]])),
  ]);
}
