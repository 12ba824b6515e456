import { randomBytes } from "node:crypto";
import { OCSPRequest } from "@peculiar/asn1-ocsp";
import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, describe, expect, it } from "vitest";
import { parseCertificate } from "./certificate-info";
import {
  children,
  contextTag,
  type DerElement,
  encodeElement,
  encodeOid,
  encodeSequence,
  readElement,
  TAG,
} from "./der";
import {
  createOcspResponse,
  issuerMatches,
  type OcspErrorStatus,
  type OcspRequestEntry,
  type OcspResponseInput,
  ocspErrorResponse,
  parseOcspRequest,
} from "./ocsp";
import { decodePem } from "./pem";
import type { RevocationReason } from "./revocation-reason";
import { makeCa, type TestCa, type TestLeaf } from "./testing/fixtures";
import { createScratch, openssl, opensslOk, VERIFY_AT } from "./testing/openssl";
import { thrown } from "./testing/thrown";

const scratch = createScratch();
afterAll(() => scratch.remove());

// Fixed answer times around VERIFY_AT (2035-01-01).
const PRODUCED_AT = new Date("2035-01-01T00:00:00Z");
const NEXT_UPDATE = new Date("2035-01-08T00:00:00Z");
const REVOKED_AT = new Date("2034-12-15T12:30:00Z");
// openssl checks thisUpdate/nextUpdate against the wall clock, not -attime; this much leeway
// (about 31 years) keeps the fixed 2035 times from drawing a "Status times invalid" warning.
const VALIDITY_PERIOD = "1000000000";

let requestCount = 0;

/** A request as `openssl ocsp` writes it, for `leaves` under `ca`. */
function opensslRequest(ca: TestCa, leaves: TestLeaf[], options: string[] = ["-no_nonce"]): Buffer {
  const name = `request-${++requestCount}.der`;
  const file = scratch.path(name);
  // Options first: a digest option only applies to the -cert options after it.
  opensslOk([
    "ocsp",
    ...options,
    "-issuer",
    ca.file,
    ...leaves.flatMap((leaf) => ["-cert", leaf.file]),
    "-reqout",
    file,
  ]);
  return scratch.read(name);
}

function answer(
  ca: TestCa,
  responses: OcspResponseInput["responses"],
  extra: Partial<OcspResponseInput> = {},
): Promise<Buffer> {
  return createOcspResponse({
    signer: ca.signer,
    signatureAlgorithm: ca.signatureAlgorithm,
    producedAt: PRODUCED_AT,
    responses,
    ...extra,
  });
}

function single(
  request: OcspRequestEntry | undefined,
  status: OcspResponseInput["responses"][number]["status"],
) {
  if (!request) throw new Error("no request entry");
  return { request, status, thisUpdate: PRODUCED_AT, nextUpdate: NEXT_UPDATE };
}

/** openssl's verdict on `response` for `leaves`, which it also verifies against the CA. */
function check(
  ca: TestCa,
  response: Buffer,
  leaves: TestLeaf[],
  options: string[] = ["-no_nonce"],
) {
  return openssl([
    "ocsp",
    ...options,
    "-respin",
    scratch.write(`response-${++requestCount}.der`, response),
    "-issuer",
    ca.file,
    "-CAfile",
    ca.file,
    ...leaves.flatMap((leaf) => ["-cert", leaf.file]),
    "-attime",
    VERIFY_AT,
    "-validity_period",
    VALIDITY_PERIOD,
    "-resp_text",
  ]);
}

function expectVerified(result: { code: number; stdout: string; stderr: string }): string {
  const output = result.stdout + result.stderr;
  expect(result.code, output).toBe(0);
  expect(output).toContain("Response verify OK");
  expect(output).not.toMatch(/WARNING|error/i);
  return output;
}

describe.each([
  ["RSA_2048", "RSA-SHA256"],
  ["EC_secp384r1", "ECDSA-SHA384"],
] as const)("OCSP for a %s CA", (keyAlgorithm, signatureAlgorithm) => {
  const fixture = (async () => {
    const ca = await makeCa(scratch, `OCSP CA ${keyAlgorithm}`, keyAlgorithm, {
      signatureAlgorithm,
    });
    const leaf = await ca.issueLeaf("leaf");
    const request = parseOcspRequest(opensslRequest(ca, [leaf]));
    return { ca, leaf, request, entry: request.requests[0] };
  })();

  it("parses openssl's request and matches its issuer", async () => {
    const { ca, leaf, request, entry } = await fixture;
    expect(request.nonce).toBeNull();
    expect(request.requests).toHaveLength(1);
    expect(entry).toMatchObject({ hashAlgorithm: "SHA-1", serialNumber: leaf.serialNumber });
    const text = opensslOk(["ocsp", "-reqin", "-", "-req_text"], opensslRequest(ca, [leaf]));
    expect(text).toContain(
      `Issuer Name Hash: ${entry?.issuerNameHash.toString("hex").toUpperCase()}`,
    );
    expect(text).toContain(
      `Issuer Key Hash: ${entry?.issuerKeyHash.toString("hex").toUpperCase()}`,
    );
    expect(entry && issuerMatches(entry, ca.pem)).toBe(true);
    expect(entry && issuerMatches(entry, leaf.pem)).toBe(false);
  });

  it("answers good, signed by the CA with responderID byKey and no certificates", async () => {
    const { ca, leaf, entry } = await fixture;
    const response = await answer(ca, [single(entry, { kind: "good" })]);
    const output = expectVerified(check(ca, response, [leaf]));
    expect(output).toContain(`${leaf.file}: good`);
    expect(output).toContain("This Update: Jan  1 00:00:00 2035 GMT");
    expect(output).toContain("Next Update: Jan  8 00:00:00 2035 GMT");
    expect(output).toContain("Produced At: Jan  1 00:00:00 2035 GMT");
    const keyHash = parseCertificate(ca.pem).subjectKeyId?.toUpperCase();
    expect(output).toContain(`Responder Id: ${keyHash}`);
    expect(output).not.toContain("BEGIN CERTIFICATE");

    // The check is real: one changed bit of the signature fails it.
    const tampered = Buffer.from(response);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    const result = check(ca, tampered, [leaf]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("Response Verify Failure");
  });

  it("answers revoked with the revocation time and reason", async () => {
    const { ca, leaf, entry } = await fixture;
    const response = await answer(ca, [
      single(entry, { kind: "revoked", revokedAt: REVOKED_AT, reason: "KEY_COMPROMISE" }),
    ]);
    const output = expectVerified(check(ca, response, [leaf]));
    expect(output).toContain(`${leaf.file}: revoked`);
    expect(output).toContain("Revocation Time: Dec 15 12:30:00 2034 GMT");
    expect(output).toContain("Reason: keyCompromise");
  });

  it("answers unknown", async () => {
    const { ca, leaf, entry } = await fixture;
    const response = await answer(ca, [single(entry, { kind: "unknown" })]);
    const output = expectVerified(check(ca, response, [leaf]));
    expect(output).toContain(`${leaf.file}: unknown`);
  });
});

describe("OCSP details", () => {
  const fixture = (async () => {
    const ca = await makeCa(scratch, "OCSP Detail CA", "EC_prime256v1");
    const other = await makeCa(scratch, "OCSP Other CA", "EC_prime256v1");
    return {
      ca,
      other,
      leaf: await ca.issueLeaf("first"),
      second: await ca.issueLeaf("second"),
      stranger: await other.issueLeaf("stranger"),
    };
  })();

  it("echoes the nonce, which openssl checks against its request", async () => {
    const { ca, leaf } = await fixture;
    const requestDer = opensslRequest(ca, [leaf], []);
    const request = parseOcspRequest(requestDer);
    expect(request.nonce).toHaveLength(16);
    // openssl prints the extension value: the OCTET STRING around the nonce.
    const text = opensslOk(["ocsp", "-reqin", "-", "-req_text"], requestDer);
    expect(text).toContain(`0410${request.nonce?.toString("hex").toUpperCase()}`);

    const requestFile = scratch.write("nonce-request.der", requestDer);
    const checkAgainstRequest = (response: Buffer) =>
      openssl([
        "ocsp",
        "-reqin",
        requestFile,
        "-respin",
        scratch.write("nonce-response.der", response),
        "-issuer",
        ca.file,
        "-CAfile",
        ca.file,
        "-attime",
        VERIFY_AT,
        "-resp_text",
      ]);
    const statuses = [single(request.requests[0], { kind: "good" as const })];

    const echoed = await answer(ca, statuses, { nonce: request.nonce });
    const output = expectVerified(checkAgainstRequest(echoed));
    expect(output).toContain("Cert Status: good");
    expect(output).toContain(`0410${request.nonce?.toString("hex").toUpperCase()}`);

    const without = checkAgainstRequest(await answer(ca, statuses));
    expect(without.stdout + without.stderr).toContain("WARNING: no nonce in response");
    const wrong = checkAgainstRequest(await answer(ca, statuses, { nonce: randomBytes(16) }));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toContain("Nonce Verify error");
  });

  it("answers SHA-256 CertIDs", async () => {
    const { ca, leaf } = await fixture;
    const request = parseOcspRequest(opensslRequest(ca, [leaf], ["-no_nonce", "-sha256"]));
    const entry = request.requests[0];
    expect(entry?.hashAlgorithm).toBe("SHA-256");
    expect(entry?.issuerNameHash).toHaveLength(32);
    expect(entry && issuerMatches(entry, ca.pem)).toBe(true);
    const response = await answer(ca, [single(entry, { kind: "good" })]);
    // openssl matches the answer to a SHA-256 CertID it builds itself.
    const output = expectVerified(check(ca, response, [leaf], ["-no_nonce", "-sha256"]));
    expect(output).toContain(`${leaf.file}: good`);
  });

  it("answers several certificates in one response, in order", async () => {
    const { ca, leaf, second } = await fixture;
    const request = parseOcspRequest(opensslRequest(ca, [leaf, second]));
    expect(request.requests.map((entry) => entry.serialNumber)).toEqual([
      leaf.serialNumber,
      second.serialNumber,
    ]);
    const response = await answer(ca, [
      single(request.requests[0], { kind: "revoked", revokedAt: REVOKED_AT, reason: "SUPERSEDED" }),
      single(request.requests[1], { kind: "good" }),
    ]);
    const output = expectVerified(check(ca, response, [leaf, second]));
    expect(output).toContain(`${leaf.file}: revoked`);
    expect(output).toContain("Reason: superseded");
    expect(output).toContain(`${second.file}: good`);
  });

  it("leaves the reason out for UNSPECIFIED, as on the CRL", async () => {
    const { ca, leaf } = await fixture;
    const request = parseOcspRequest(opensslRequest(ca, [leaf]));
    const response = await answer(ca, [
      single(request.requests[0], {
        kind: "revoked",
        revokedAt: REVOKED_AT,
        reason: "UNSPECIFIED",
      }),
    ]);
    const output = expectVerified(check(ca, response, [leaf]));
    expect(output).toContain(`${leaf.file}: revoked`);
    expect(output).toContain("Revocation Time: Dec 15 12:30:00 2034 GMT");
    expect(output).not.toContain("Reason");
  });

  it("says only unknown about another issuer's certificate", async () => {
    const { ca, other, stranger } = await fixture;
    const entry = parseOcspRequest(opensslRequest(other, [stranger])).requests[0];
    expect(entry && issuerMatches(entry, ca.pem)).toBe(false);
    for (const status of [
      { kind: "good" as const },
      { kind: "revoked" as const, revokedAt: REVOKED_AT, reason: "KEY_COMPROMISE" as const },
    ]) {
      await expect(answer(ca, [single(entry, status)])).rejects.toMatchObject({
        name: "PkiError",
        field: "responses",
      });
    }
    const unknown = await answer(ca, [single(entry, { kind: "unknown" })]);
    // Signed by a CA the client did not ask: openssl does not accept it as other's answer.
    const result = check(other, unknown, [stranger]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("Response Verify Failure");
  });

  it("refuses bad input", async () => {
    const { ca, leaf } = await fixture;
    const entry = parseOcspRequest(opensslRequest(ca, [leaf])).requests[0];
    const good = single(entry, { kind: "good" });
    const cases: [Partial<OcspResponseInput>, string][] = [
      [{ signatureAlgorithm: "RSA-SHA256" }, "signatureAlgorithm"],
      [{ signer: { ...ca.signer, certificatePem: leaf.pem } }, "signer"],
      [{ producedAt: new Date("nope") }, "producedAt"],
      [{ responses: [] }, "responses"],
      [{ responses: [{ ...good, nextUpdate: PRODUCED_AT }] }, "responses"],
      [{ responses: [{ ...good, thisUpdate: new Date(Number.NaN) }] }, "responses"],
      [{ responses: [{ ...good, status: { kind: "maybe" } as never }] }, "responses"],
      [
        {
          responses: [
            single(entry, {
              kind: "revoked",
              revokedAt: REVOKED_AT,
              reason: "REMOVE_FROM_CRL" as RevocationReason,
            }),
          ],
        },
        "responses",
      ],
      [
        { responses: [{ ...good, request: { ...good.request, issuerKeyHash: Buffer.alloc(3) } }] },
        "responses",
      ],
      [
        { responses: [{ ...good, request: { ...good.request, hashAlgorithm: "MD5" as never } }] },
        "responses",
      ],
      [{ nonce: Buffer.alloc(0) }, "nonce"],
      [{ nonce: randomBytes(33) }, "nonce"],
    ];
    for (const [change, field] of cases) {
      await expect(answer(ca, [good], change), field).rejects.toMatchObject({
        name: "PkiError",
        field,
      });
    }
  });
});

// Hand-built requests, for shapes openssl will not write.
function request(certIds: Buffer[], extensions?: Buffer[]): Buffer {
  const requestList = encodeSequence(certIds.map((certId) => encodeSequence([certId])));
  return encodeSequence([
    encodeSequence([
      requestList,
      ...(extensions ? [encodeElement(contextTag(2), encodeSequence(extensions))] : []),
    ]),
  ]);
}

const NULL_ELEMENT = encodeElement(TAG.null, Buffer.alloc(0));

function certId(hashOid: string, hashLength: number, serial = Buffer.from([1])): Buffer {
  return encodeSequence([
    encodeSequence([encodeOid(hashOid), encodeElement(TAG.null, Buffer.alloc(0))]),
    encodeElement(TAG.octetString, Buffer.alloc(hashLength, 1)),
    encodeElement(TAG.octetString, Buffer.alloc(hashLength, 2)),
    encodeElement(TAG.integer, serial),
  ]);
}

function nonceExtension(nonce: Buffer, critical?: number): Buffer {
  return encodeSequence([
    encodeOid("1.3.6.1.5.5.7.48.1.2"),
    ...(critical === undefined ? [] : [encodeElement(TAG.boolean, Buffer.from([critical]))]),
    encodeElement(TAG.octetString, encodeElement(TAG.octetString, nonce)),
  ]);
}

/** `der` with its outermost length written in two octets (81 nn): BER, not DER. */
function longFormLength(der: Buffer): Buffer {
  const { content } = readElement(der);
  return Buffer.concat([Buffer.from([der[0] as number, 0x81, content.length]), content]);
}

describe("parseOcspRequest", () => {
  const SHA1 = "1.3.14.3.2.26";

  it("reads hand-built requests like openssl's", () => {
    const parsed = parseOcspRequest(
      request([certId(SHA1, 20, Buffer.from("00ff", "hex"))], [nonceExtension(Buffer.from("n"))]),
    );
    expect(parsed.requests).toEqual([
      {
        issuerNameHash: Buffer.alloc(20, 1),
        issuerKeyHash: Buffer.alloc(20, 2),
        hashAlgorithm: "SHA-1",
        serialNumber: "00ff",
      },
    ]);
    expect(parsed.nonce).toEqual(Buffer.from("n"));
  });

  it("reads a critical extension written as DER (TRUE is 0xff)", () => {
    const parsed = parseOcspRequest(
      request([certId(SHA1, 20)], [nonceExtension(Buffer.from("n"), 0xff)]),
    );
    expect(parsed.nonce).toEqual(Buffer.from("n"));
  });

  it("refuses encodings that are BER but not DER", () => {
    const one = certId(SHA1, 20);
    const withVersion = (version: number) =>
      encodeSequence([
        encodeSequence([
          encodeElement(contextTag(0), encodeElement(TAG.integer, Buffer.from([version]))),
          encodeSequence([encodeSequence([one])]),
        ]),
      ]);
    const notDer: [string, Buffer][] = [
      ["a long-form length for a short request", longFormLength(request([one]))],
      [
        "a long-form length inside",
        encodeSequence([encodeSequence([encodeSequence([longFormLength(encodeSequence([one]))])])]),
      ],
      ["critical TRUE as 0x01", request([one], [nonceExtension(Buffer.from("n"), 0x01)])],
      ["critical FALSE written out", request([one], [nonceExtension(Buffer.from("n"), 0x00)])],
      ["version v1 written out (it is the DEFAULT)", withVersion(0)],
      ["a whole element after the request", Buffer.concat([request([one]), NULL_ELEMENT])],
      ["no extensions in requestExtensions", request([one], [])],
    ];
    expect(() => parseOcspRequest(withVersion(1))).toThrow(/unsupported OCSP request version/);
    for (const [what, der] of notDer) {
      expect(
        thrown(() => parseOcspRequest(der)),
        what,
      ).toMatchObject({
        name: "PkiError",
        field: "ocspRequest",
        message: expect.stringMatching(/not a DER-encoded OCSPRequest/),
      });
    }
  });

  it("refuses garbage with PkiError on ocspRequest", async () => {
    const ca = await makeCa(scratch, "OCSP Garbage CA", "EC_prime256v1");
    const leaf = await ca.issueLeaf("leaf");
    const real = opensslRequest(ca, [leaf]);
    // SHA-1's OID with its last arc changed: 1.3.14.3.2.27 is no hash.
    const sha1Oid = encodeOid(SHA1);
    const at = real.indexOf(sha1Oid);
    const unknownHash = Buffer.from(real);
    unknownHash[at + sha1Oid.length - 1] = 0x1b;
    const garbage: [string, unknown][] = [
      ["random bytes", randomBytes(64)],
      ["nothing", Buffer.alloc(0)],
      ["a string", "MEIwQDA+MDwwOjAJBgUrDgMCGgUABBQ="],
      ["a certificate", decodePem(leaf.pem, "CERTIFICATE", "leaf")],
      ["a truncated request", real.subarray(0, real.length - 3)],
      ["trailing bytes", Buffer.concat([real, Buffer.from([0])])],
      ["an unknown hash", unknownHash],
      ["a hash of the wrong length", request([certId(SHA1, 19)])],
      ["no certificates", request([])],
      ["101 certificates", request(Array.from({ length: 101 }, () => certId(SHA1, 20)))],
      ["an empty serial", request([certId(SHA1, 20, Buffer.alloc(0))])],
      ["an empty nonce", request([certId(SHA1, 20)], [nonceExtension(Buffer.alloc(0))])],
      ["a 33-byte nonce", request([certId(SHA1, 20)], [nonceExtension(randomBytes(33))])],
      [
        "two nonces",
        request(
          [certId(SHA1, 20)],
          [nonceExtension(randomBytes(8)), nonceExtension(randomBytes(8))],
        ),
      ],
    ];
    expect(unknownHash.equals(real)).toBe(false);
    for (const [what, input] of garbage) {
      expect(
        thrown(() => parseOcspRequest(input as Buffer)),
        what,
      ).toMatchObject({
        name: "PkiError",
        field: "ocspRequest",
      });
    }
  });
});

describe("ocspErrorResponse", () => {
  it.each([
    ["malformedRequest", "malformedrequest (1)"],
    ["internalError", "internalerror (2)"],
    ["tryLater", "trylater (3)"],
    ["unauthorized", "unauthorized (6)"],
  ] as const)("%s is what openssl reads", (status, shown) => {
    const file = scratch.write(`error-${status}.der`, ocspErrorResponse(status));
    const result = openssl(["ocsp", "-respin", file, "-resp_text"]);
    expect(result.stdout + result.stderr).toContain(`Responder Error: ${shown}`);
    // SEQUENCE { ENUMERATED status } and nothing else: no responseBytes, no signature.
    const code = Number(shown.match(/\((\d)\)/)?.[1]);
    expect(ocspErrorResponse(status)).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, code]));
  });

  it("refuses other statuses", () => {
    for (const status of ["successful", "sigRequired", "toString"]) {
      expect(thrown(() => ocspErrorResponse(status as OcspErrorStatus))).toMatchObject({
        name: "PkiError",
        field: "status",
      });
    }
  });
});

/**
 * The reading parseOcspRequest replaced, as an oracle: asn1-schema's OCSPRequest, accepted
 * only when re-encoding it gives back the bytes (DER). Its CertIDs and nonce, or undefined.
 */
function asn1SchemaReading(der: Buffer) {
  let request: OCSPRequest;
  try {
    request = AsnConvert.parse(der, OCSPRequest);
    if (!Buffer.from(AsnConvert.serialize(request)).equals(der)) return undefined;
  } catch {
    return undefined;
  }
  const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === NONCE_OID);
  return {
    certIds: request.tbsRequest.requestList.map(({ reqCert }) => ({
      hashOid: reqCert.hashAlgorithm.algorithm,
      issuerNameHash: Buffer.from(reqCert.issuerNameHash.buffer),
      issuerKeyHash: Buffer.from(reqCert.issuerKeyHash.buffer),
      serialNumber: Buffer.from(reqCert.serialNumber).toString("hex"),
    })),
    nonceValue: nonce ? Buffer.from(nonce.extnValue.buffer) : undefined,
  };
}

const NONCE_OID = "1.3.6.1.5.5.7.48.1.2";
const HASH_OIDS: Record<string, string> = {
  "SHA-1": "1.3.14.3.2.26",
  "SHA-256": "2.16.840.1.101.3.4.2.1",
  "SHA-384": "2.16.840.1.101.3.4.2.2",
  "SHA-512": "2.16.840.1.101.3.4.2.3",
};

describe("parseOcspRequest against asn1-schema's reading", () => {
  /** Each byte changed five ways, each prefix, and a byte inserted: with where it changed. */
  function* mutations(der: Buffer): Generator<[number, Buffer]> {
    for (let i = 0; i < der.length; i++) {
      const byte = der[i] as number;
      for (const value of [0x00, 0xff, byte ^ 0x01, (byte + 1) & 0xff, (byte - 1) & 0xff]) {
        if (value === byte) continue;
        const changed = Buffer.from(der);
        changed[i] = value;
        yield [i, changed];
      }
      yield [i, der.subarray(0, i)];
      yield [i, Buffer.concat([der.subarray(0, i), Buffer.from([0x00]), der.subarray(i)])];
    }
  }

  /**
   * Where requestorName's and the signature's contents lie: parts parseOcspRequest accepts and
   * ignores, so it checks that they are DER but not what asn1-schema's schema says is inside.
   */
  function ignoredRanges(der: Buffer): [number, number][] {
    const request = readElement(der);
    const [tbs, signature] = children(request);
    const requestorName = children(tbs as DerElement).find((e) => e.tag === contextTag(1));
    const offset = (e: DerElement) => e.content.byteOffset - der.byteOffset;
    return [requestorName, signature]
      .filter((e): e is DerElement => e !== undefined)
      .map((e) => [offset(e), offset(e) + e.content.length]);
  }

  it("accepts exactly the DER requests it accepted, with the same CertIDs and nonce, and refuses the rest as malformed", async () => {
    const ca = await makeCa(scratch, "OCSP Oracle CA", "EC_prime256v1");
    const leaves = [await ca.issueLeaf("one"), await ca.issueLeaf("two")];
    // A signed request carries requestorName and optionalSignature with a certificate.
    const signerKey = scratch.path("requestor.key");
    const signerCert = scratch.path("requestor.pem");
    opensslOk([
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-subj", "/CN=requestor", "-days", "1", "-keyout", signerKey, "-out", signerCert],
    ]);
    const bases = [
      opensslRequest(ca, [leaves[0] as TestLeaf]),
      opensslRequest(ca, leaves, ["-nonce"]),
      opensslRequest(ca, [leaves[1] as TestLeaf], ["-sha256", "-no_nonce"]),
      opensslRequest(ca, [leaves[0] as TestLeaf], ["-signer", signerCert, "-signkey", signerKey]),
    ];
    let accepted = 0;
    let refused = 0;
    for (const base of bases) {
      expect(asn1SchemaReading(base), "openssl's request").toBeDefined();
      const ignored = ignoredRanges(base);
      for (const [at, der] of [[-1, base] as [number, Buffer], ...mutations(base)]) {
        const inIgnoredPart = ignored.some(([from, to]) => at >= from && at < to);
        const oracle = inIgnoredPart ? asn1SchemaReading(base) : asn1SchemaReading(der);
        let parsed: ReturnType<typeof parseOcspRequest>;
        try {
          parsed = parseOcspRequest(der);
        } catch (error) {
          refused++;
          expect(error, der.toString("hex")).toMatchObject({
            name: "PkiError",
            field: "ocspRequest",
          });
          // Refused as not DER: the oracle did not read it either. (Other refusals, such as an
          // unknown hash or a bad nonce, are checks made after the reading.)
          if (/not a DER-encoded/.test((error as Error).message) && !inIgnoredPart) {
            expect(oracle, der.toString("hex")).toBeUndefined();
          }
          continue;
        }
        accepted++;
        expect(oracle, `accepted ${der.toString("hex")}`).toBeDefined();
        expect(
          parsed.requests.map((r) => ({
            hashOid: HASH_OIDS[r.hashAlgorithm],
            issuerNameHash: r.issuerNameHash,
            issuerKeyHash: r.issuerKeyHash,
            serialNumber: r.serialNumber,
          })),
        ).toEqual(oracle?.certIds);
        if (parsed.nonce) expect(oracle?.nonceValue?.subarray(2)).toEqual(parsed.nonce);
        else expect(oracle?.nonceValue).toBeUndefined();
      }
    }
    // The mutations reach both sides of the line.
    expect(accepted).toBeGreaterThan(bases.length);
    expect(refused).toBeGreaterThan(1_000);
  });
});
