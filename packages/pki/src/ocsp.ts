import { createHash } from "node:crypto";
import { type CertID, OCSPRequest } from "@peculiar/asn1-ocsp";
import { AsnConvert } from "@peculiar/asn1-schema";
import type { AlgorithmIdentifier, Extension } from "@peculiar/asn1-x509";
import type { SignatureAlgorithm } from "./algorithms";
import { parseCertificateDetails } from "./certificate-info";
import {
  contextTag,
  DerError,
  encodeElement,
  encodeOid,
  encodeSequence,
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

function hashAlgorithmOf(algorithm: AlgorithmIdentifier): OcspHashAlgorithm {
  const { parameters } = algorithm;
  if (parameters && !Buffer.from(parameters).equals(NULL)) {
    throw new DerError("malformed CertID hashAlgorithm");
  }
  const name = (Object.keys(HASH_ALGORITHMS) as OcspHashAlgorithm[]).find(
    (candidate) => HASH_ALGORITHMS[candidate].oid === algorithm.algorithm,
  );
  if (!name) throw new DerError(`unsupported CertID hash algorithm ${algorithm.algorithm}`);
  return name;
}

function readCertId(certId: CertID): OcspRequestEntry {
  const hashAlgorithm = hashAlgorithmOf(certId.hashAlgorithm);
  const { length } = HASH_ALGORITHMS[hashAlgorithm];
  const issuerNameHash = Buffer.from(certId.issuerNameHash.buffer);
  const issuerKeyHash = Buffer.from(certId.issuerKeyHash.buffer);
  for (const hash of [issuerNameHash, issuerKeyHash]) {
    if (hash.length !== length) {
      throw new DerError(`a CertID ${hashAlgorithm} hash is not ${length} bytes`);
    }
  }
  const serialNumber = Buffer.from(certId.serialNumber).toString("hex");
  serialNumberContent(serialNumber, "ocspRequest");
  return { issuerNameHash, issuerKeyHash, hashAlgorithm, serialNumber };
}

function readNonce(extensions: Extension[] = []): Buffer | null {
  const ids = extensions.map((candidate) => candidate.extnID);
  if (new Set(ids).size !== ids.length) throw new DerError("an extension appears twice");
  const extension = extensions.find((candidate) => candidate.extnID === OIDS.nonce);
  if (!extension) return null;
  const nonce = readOnly(Buffer.from(extension.extnValue.buffer), TAG.octetString).content;
  if (nonce.length === 0 || nonce.length > MAX_NONCE_LENGTH) {
    throw new DerError(`the nonce must be 1 to ${MAX_NONCE_LENGTH} octets (RFC 8954)`);
  }
  return Buffer.from(nonce);
}

function readRequest(der: Buffer): ParsedOcspRequest {
  const request = AsnConvert.parse(der, OCSPRequest);
  // asn1js also reads BER and stops at the end of the structure; only the DER encoding of
  // exactly one request is accepted, so re-encoding must give back the bytes received.
  // A signature ([0] optionalSignature) and requestorName are allowed and ignored.
  if (!Buffer.from(AsnConvert.serialize(request)).equals(der)) {
    throw new DerError("not a DER-encoded OCSPRequest");
  }
  const { tbsRequest } = request;
  if (tbsRequest.version !== 0) throw new DerError("unsupported OCSP request version");
  const requests = tbsRequest.requestList;
  if (requests.length === 0) throw new DerError("the request asks about no certificate");
  if (requests.length > MAX_REQUESTS) {
    throw new DerError(`the request asks about more than ${MAX_REQUESTS} certificates`);
  }
  return {
    // singleRequestExtensions (service locator and the like) are ignored.
    requests: requests.map((request) => readCertId(request.reqCert)),
    nonce: readNonce(tbsRequest.requestExtensions),
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
