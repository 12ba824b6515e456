import { afterAll, describe, expect, it } from "vitest";
import type { KeyAlgorithm, SignatureAlgorithm } from "./algorithms";
import { parseCertificate } from "./certificate-info";
import { type CrlInput, createCrl } from "./crl";
import { generateKeyPair } from "./keys";
import { decodePem } from "./pem";
import { REVOCATION_REASONS, type RevocationReason } from "./revocation-reason";
import { generateSerialNumber } from "./serial-number";
import { makeCa, type TestCa } from "./testing/fixtures";
import {
  createScratch,
  openssl,
  opensslDer,
  opensslOk,
  opensslRoot,
  opensslVerify,
} from "./testing/openssl";

const scratch = createScratch();
afterAll(() => scratch.remove());

// A week-long CRL around VERIFY_AT (2035-01-01), when openssl checks it.
const THIS_UPDATE = new Date("2034-12-31T00:00:00Z");
const NEXT_UPDATE = new Date("2035-01-07T00:00:00Z");
const REVOKED_AT = new Date("2034-12-15T12:30:00Z");

// openssl's names for the CRLReason codes.
const OPENSSL_REASONS: Record<RevocationReason, string> = {
  UNSPECIFIED: "Unspecified",
  KEY_COMPROMISE: "Key Compromise",
  CA_COMPROMISE: "CA Compromise",
  AFFILIATION_CHANGED: "Affiliation Changed",
  SUPERSEDED: "Superseded",
  CESSATION_OF_OPERATION: "Cessation Of Operation",
  CERTIFICATE_HOLD: "Certificate Hold",
  PRIVILEGE_WITHDRAWN: "Privilege Withdrawn",
  A_A_COMPROMISE: "AA Compromise",
};

/** A CA whose subject is "O = Acme, CN = `name`" in openssl's words, with leaves to revoke. */
function makeAcmeCa(
  name: string,
  keyAlgorithm: KeyAlgorithm,
  signatureAlgorithm: SignatureAlgorithm,
): Promise<TestCa> {
  return makeCa(scratch, name, keyAlgorithm, {
    subject: { commonName: name, organization: "Acme" },
    signatureAlgorithm,
  });
}

function crlInput(ca: TestCa, signatureAlgorithm: SignatureAlgorithm): CrlInput {
  return {
    issuer: ca.signer,
    signatureAlgorithm,
    thisUpdate: THIS_UPDATE,
    nextUpdate: NEXT_UPDATE,
    crlNumber: 42,
    entries: [],
  };
}

/** `openssl crl -text`, which must also verify the signature against the CA. */
function crlText(ca: TestCa, crlFile: string): string {
  const result = openssl(["crl", "-in", crlFile, "-CAfile", ca.file, "-noout", "-text"]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  // openssl 3.0 reports the signature check on stderr.
  expect(result.stderr + result.stdout).toContain("verify OK");
  return result.stdout;
}

function verifyWithCrl(ca: TestCa, crlFile: string, leafFile: string) {
  return opensslVerify(ca.file, leafFile, { crl: crlFile });
}

/** A date as openssl prints it: "Dec 15 12:30:00 2034 GMT". */
function opensslDate(date: Date): string {
  const [, day, month, year, time] =
    date.toUTCString().match(/^\w+, (\d+) (\w+) (\d+) (\S+)/) ?? [];
  return `${month} ${day?.padStart(2, " ")} ${time} ${year} GMT`;
}

/** The text openssl prints for one revoked serial, up to the next entry. */
function entryText(text: string, serialNumber: string): string {
  const start = text.indexOf(`Serial Number: ${serialNumber.toUpperCase()}\n`);
  expect(start, `serial ${serialNumber} in the CRL`).toBeGreaterThanOrEqual(0);
  const rest = text.slice(start + 1);
  const end = rest.search(/Serial Number: |Signature Algorithm: /);
  return rest.slice(0, end);
}

describe.each([
  ["RSA_2048", "RSA-SHA256"],
  ["EC_prime256v1", "ECDSA-SHA256"],
] as const)("a CRL from a %s CA", (keyAlgorithm, signatureAlgorithm) => {
  const fixture = (async () => {
    const ca = await makeAcmeCa(`CRL CA ${keyAlgorithm}`, keyAlgorithm, signatureAlgorithm);
    const good = await ca.issueLeaf("good");
    const revoked = await ca.issueLeaf("revoked");
    const held = await ca.issueLeaf("held");
    const { der, pem } = await createCrl({
      ...crlInput(ca, signatureAlgorithm),
      entries: [
        { serialNumber: revoked.serialNumber, revokedAt: REVOKED_AT, reason: "KEY_COMPROMISE" },
        { serialNumber: held.serialNumber, revokedAt: REVOKED_AT, reason: "UNSPECIFIED" },
      ],
    });
    const crlFile = scratch.write(`${keyAlgorithm}.crl.pem`, pem);
    return { ca, good, revoked, held, der, pem, crlFile };
  })();

  it("verifies against the CA and lists the serials with their reasons", async () => {
    const { ca, revoked, held, crlFile } = await fixture;
    const text = crlText(ca, crlFile);
    expect(text).toContain("Version 2 (0x1)");
    expect(text).toContain(`Issuer: O = Acme, CN = ${ca.name}`);
    expect(text).toContain("Last Update: Dec 31 00:00:00 2034 GMT");
    expect(text).toContain("Next Update: Jan  7 00:00:00 2035 GMT");
    expect(text).toMatch(/X509v3 CRL Number: ?\n\s+42\n/);
    const caSki = parseCertificate(ca.signer.certificatePem).subjectKeyId ?? "";
    const aki = text.match(/X509v3 Authority Key Identifier: ?\n\s+(?:keyid:)?([0-9A-F:]+)\n/)?.[1];
    expect(aki?.replace(/:/g, "").toLowerCase()).toBe(caSki);

    const revokedEntry = entryText(text, revoked.serialNumber);
    expect(revokedEntry).toContain("Revocation Date: Dec 15 12:30:00 2034 GMT");
    expect(revokedEntry).toMatch(/X509v3 CRL Reason Code: ?\n\s+Key Compromise\n/);
    // UNSPECIFIED is expressed by leaving the reasonCode out (RFC 5280 5.3.1).
    const heldEntry = entryText(text, held.serialNumber);
    expect(heldEntry).toContain("Revocation Date: Dec 15 12:30:00 2034 GMT");
    expect(heldEntry).not.toContain("Reason Code");
  });

  it("makes openssl verify -crl_check accept a good leaf and reject a revoked one", async () => {
    const { ca, good, revoked, held, crlFile } = await fixture;
    const accepted = verifyWithCrl(ca, crlFile, good.file);
    expect(accepted.code, accepted.stderr + accepted.stdout).toBe(0);
    expect(accepted.stdout).toContain(": OK");
    for (const leaf of [revoked, held]) {
      const rejected = verifyWithCrl(ca, crlFile, leaf.file);
      expect(rejected.code).not.toBe(0);
      expect(rejected.stderr + rejected.stdout).toContain("certificate revoked");
    }
  });

  it("fails openssl's check with one changed bit of signature", async () => {
    const { ca, der } = await fixture;
    const tampered = Buffer.from(der);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    const crlFile = scratch.write(`${keyAlgorithm}-tampered.crl.der`, tampered);
    const result = openssl(["crl", "-inform", "DER", "-in", crlFile, "-CAfile", ca.file, "-noout"]);
    // openssl crl exits 0 either way (3.0); only its report tells.
    expect(result.stderr + result.stdout).toContain("verify failure");
    expect(result.stderr + result.stdout).not.toContain("verify OK");
  });

  it("returns the same CRL as DER and as an X509 CRL PEM", async () => {
    const { der, pem } = await fixture;
    expect(decodePem(pem, "X509 CRL", "crl").equals(der)).toBe(true);
    const fromDer = opensslDer(["crl", "-inform", "DER", "-outform", "DER"], der);
    expect(fromDer.equals(der)).toBe(true);
  });
});

describe("CRL contents", () => {
  const fixture = (async () => {
    const ca = await makeAcmeCa("CRL Contents CA", "EC_secp384r1", "ECDSA-SHA384");
    return { ca, leaf: await ca.issueLeaf("leaf") };
  })();

  it("leaves the revoked list out of an empty CRL, which still verifies", async () => {
    const { ca, leaf } = await fixture;
    const { pem } = await createCrl({ ...crlInput(ca, "ECDSA-SHA384"), crlNumber: 1n });
    const crlFile = scratch.write("empty.crl.pem", pem);
    const text = crlText(ca, crlFile);
    expect(text).toContain("No Revoked Certificates.");
    expect(text).toMatch(/X509v3 CRL Number: ?\n\s+1\n/);
    const result = verifyWithCrl(ca, crlFile, leaf.file);
    expect(result.code, result.stderr + result.stdout).toBe(0);
  });

  it("lists 50 entries, every reason under openssl's name", async () => {
    const { ca } = await fixture;
    const reasons = Object.keys(REVOCATION_REASONS) as RevocationReason[];
    const entries = Array.from({ length: 50 }, (_, i) => ({
      serialNumber: generateSerialNumber(),
      revokedAt: new Date(REVOKED_AT.getTime() + i * 60_000),
      reason: reasons[i % reasons.length] as RevocationReason,
    }));
    const { pem } = await createCrl({ ...crlInput(ca, "ECDSA-SHA384"), entries });
    const text = crlText(ca, scratch.write("fifty.crl.pem", pem));
    expect(text.match(/Serial Number: /g)).toHaveLength(50);
    for (const entry of entries) {
      const shown = entryText(text, entry.serialNumber);
      expect(shown).toContain(`Revocation Date: ${opensslDate(entry.revokedAt)}`);
      if (entry.reason === "UNSPECIFIED") expect(shown).not.toContain("Reason Code");
      else expect(shown).toContain(OPENSSL_REASONS[entry.reason]);
    }
  });

  it("names serials exactly as their certificates hold them, padded or short", async () => {
    const { ca } = await fixture;
    // 0x80... needs a zero pad byte in DER, which parseCertificate keeps in its hex.
    const entries = ["00ff01", "01", "7fffffffffffffffffffffffffffffffffffffff"].map(
      (serialNumber) => ({ serialNumber, revokedAt: REVOKED_AT, reason: "SUPERSEDED" as const }),
    );
    const { pem } = await createCrl({ ...crlInput(ca, "ECDSA-SHA384"), entries });
    const text = crlText(ca, scratch.write("serials.crl.pem", pem));
    expect(text).toContain("Serial Number: FF01\n");
    expect(text).toContain("Serial Number: 01\n");
    expect(text).toContain("Serial Number: 7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n");
  });

  it("writes CRL numbers up to 20 octets, and times from 2050 as GeneralizedTime", async () => {
    const { ca } = await fixture;
    const crlNumber = (1n << 158n) + 5n;
    const { pem } = await createCrl({
      ...crlInput(ca, "ECDSA-SHA384"),
      thisUpdate: new Date("2051-06-01T00:00:00Z"),
      nextUpdate: new Date("2051-06-08T00:00:00Z"),
      crlNumber,
    });
    const crlFile = scratch.write("big-number.crl.pem", pem);
    const number = opensslOk(["crl", "-in", crlFile, "-noout", "-crlnumber"]).trim();
    expect(number).toBe(`crlNumber=0x${crlNumber.toString(16).toUpperCase()}`);
    const text = crlText(ca, crlFile);
    expect(text).toContain("Last Update: Jun  1 00:00:00 2051 GMT");
  });

  it("builds a 20,000-entry CRL in linear time", async () => {
    const { ca } = await fixture;
    const entries = Array.from({ length: 20_000 }, (_, i) => ({
      serialNumber: (0x10000000 + i).toString(16),
      revokedAt: REVOKED_AT,
      reason: "CESSATION_OF_OPERATION" as const,
    }));
    const started = Date.now();
    const { pem } = await createCrl({ ...crlInput(ca, "ECDSA-SHA384"), entries });
    // x509's generator needs over a minute here; a generous bound still catches a regression.
    expect(Date.now() - started).toBeLessThan(10_000);
    const text = crlText(ca, scratch.write("large.crl.pem", pem));
    expect(text.match(/Serial Number: /g)).toHaveLength(20_000);
  });
});

describe("CRL refusals", () => {
  const fixture = (async () => {
    const ca = await makeAcmeCa("CRL Refusal CA", "RSA_2048", "RSA-SHA256");
    return { ca, base: crlInput(ca, "RSA-SHA256") };
  })();

  it("refuses a signature algorithm that does not fit the issuer key", async () => {
    const { base } = await fixture;
    await expect(createCrl({ ...base, signatureAlgorithm: "ECDSA-SHA256" })).rejects.toMatchObject({
      name: "PkiError",
      field: "signatureAlgorithm",
    });
    await expect(
      createCrl({ ...base, signatureAlgorithm: "RSA-MD5" as SignatureAlgorithm }),
    ).rejects.toMatchObject({ field: "signatureAlgorithm" });
  });

  it("refuses nextUpdate <= thisUpdate, even within one second, and invalid dates", async () => {
    const { base } = await fixture;
    for (const nextUpdate of [
      THIS_UPDATE,
      new Date(THIS_UPDATE.getTime() - 1000),
      new Date(THIS_UPDATE.getTime() + 999),
    ]) {
      await expect(createCrl({ ...base, nextUpdate })).rejects.toMatchObject({
        name: "PkiError",
        field: "nextUpdate",
      });
    }
    await expect(createCrl({ ...base, thisUpdate: new Date(Number.NaN) })).rejects.toMatchObject({
      field: "thisUpdate",
    });
  });

  it("refuses bad CRL numbers", async () => {
    const { base } = await fixture;
    for (const crlNumber of [-1, 1.5, -1n, 1n << 159n, Number.MAX_SAFE_INTEGER + 1]) {
      await expect(createCrl({ ...base, crlNumber })).rejects.toMatchObject({
        field: "crlNumber",
      });
    }
  });

  it("refuses bad or repeated serial numbers and unknown reasons", async () => {
    const { base } = await fixture;
    const entry = { serialNumber: "0a", revokedAt: REVOKED_AT, reason: "SUPERSEDED" as const };
    for (const entries of [
      [{ ...entry, serialNumber: "" }],
      [{ ...entry, serialNumber: "0001" }],
      [{ ...entry, serialNumber: "abc" }],
      [{ ...entry, serialNumber: "zz" }],
      [{ ...entry, serialNumber: "01".repeat(33) }],
      [entry, { ...entry, serialNumber: "0A" }],
      [{ ...entry, reason: "REMOVE_FROM_CRL" as RevocationReason }],
      [{ ...entry, reason: "toString" as RevocationReason }],
      [{ ...entry, revokedAt: new Date("invalid") }],
    ]) {
      await expect(createCrl({ ...base, entries })).rejects.toMatchObject({
        name: "PkiError",
        field: "entries",
      });
    }
  });

  it("refuses an issuer that is not a CA, or whose key is not the certificate's", async () => {
    const { ca, base } = await fixture;
    const leaf = await ca.issueLeaf("not-a-ca");
    await expect(
      createCrl({ ...base, issuer: { ...ca.signer, certificatePem: leaf.pem } }),
    ).rejects.toMatchObject({ field: "issuer" });
    const stranger = await generateKeyPair("RSA_2048");
    await expect(
      createCrl({
        ...base,
        issuer: { ...ca.signer, privateKeyPkcs8: stranger.privateKeyPkcs8 },
      }),
    ).rejects.toMatchObject({ field: "issuer" });
  });

  it("refuses a CA whose KeyUsage lacks cRLSign", async () => {
    // Our CAs always have cRLSign, so this one comes from openssl.
    const noCrlSign = opensslRoot(scratch.dir, "no-crl-sign", {
      subject: "/CN=No CRL Sign",
      keyUsage: "keyCertSign",
    });
    const { base } = await fixture;
    await expect(
      createCrl({
        ...base,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: noCrlSign,
      }),
    ).rejects.toMatchObject({ field: "issuer", message: expect.stringContaining("cRLSign") });
  });
});
