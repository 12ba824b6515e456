import { describe, expect, it } from "vitest";
import { readExtensions } from "./certificate-parts";
import { encodeSequence, readOnly } from "./der";
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  caExtensions,
  crlDistributionPointsExtension,
  decodeBasicConstraints,
  decodeKeyUsage,
  leafExtensions,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "./extensions";
import { keyUsageFlags } from "./testing/x509-reference";
import {
  type AltName,
  EXTENDED_KEY_USAGE_OIDS,
  EXTENDED_KEY_USAGES,
  KEY_USAGES,
  type KeyUsage,
} from "./usages";
import * as x509 from "./x509";

// @peculiar/x509 built these extensions before; it is the independent encoder here.
function x509Der(extension: x509.Extension): string {
  return Buffer.from(extension.rawData).toString("hex");
}

function hex(der: Buffer): string {
  return der.toString("hex");
}

/** The extnValue of one DER Extension, read back by the certificate parser's reader. */
function extensionValue(extension: Buffer | undefined): Buffer {
  const [read] = readExtensions(readOnly(encodeSequence([extension as Buffer])));
  return read?.value as Buffer;
}

// Every subset of the key usages a leaf may carry (keyCertSign is for CAs only).
const LEAF_KEY_USAGES = KEY_USAGES.filter((usage) => usage !== "key_cert_sign");
const KEY_USAGE_SUBSETS: KeyUsage[][] = Array.from(
  { length: (1 << LEAF_KEY_USAGES.length) - 1 },
  (_, index) => LEAF_KEY_USAGES.filter((_, bit) => ((index + 1) >> bit) & 1),
);

describe("extension encodings match @peculiar/x509 byte for byte", () => {
  it.each([-1, 0, 1, 127, 128, 300, 65_536])(
    "CA BasicConstraints and KeyUsage, maxPathLength %i",
    (maxPathLength) => {
      const [basicConstraints, keyUsage, ...rest] = caExtensions(maxPathLength);
      expect(rest).toEqual([]);
      expect(hex(basicConstraints as Buffer)).toBe(
        x509Der(
          new x509.BasicConstraintsExtension(
            true,
            maxPathLength >= 0 ? maxPathLength : undefined,
            true,
          ),
        ),
      );
      expect(hex(keyUsage as Buffer)).toBe(
        x509Der(
          new x509.KeyUsagesExtension(
            keyUsageFlags(["key_cert_sign", "crl_sign", "digital_signature"]),
            true,
          ),
        ),
      );
    },
  );

  it("leaf BasicConstraints is CA:FALSE as an empty SEQUENCE (DER omits the default)", () => {
    const [basicConstraints] = leafExtensions([], []);
    expect(hex(basicConstraints as Buffer)).toBe(
      x509Der(new x509.BasicConstraintsExtension(false, undefined, true)),
    );
    expect(hex(basicConstraints as Buffer)).toBe("300c0603551d130101ff04023000");
  });

  it(`KeyUsage for all ${KEY_USAGE_SUBSETS.length} subsets of leaf usages, trailing zero bits dropped`, () => {
    for (const usages of KEY_USAGE_SUBSETS) {
      const [, keyUsage] = leafExtensions(usages, []);
      expect(hex(keyUsage as Buffer), usages.join(",")).toBe(
        x509Der(new x509.KeyUsagesExtension(keyUsageFlags(usages), true)),
      );
      expect(decodeKeyUsage(extensionValue(keyUsage)).sort()).toEqual([...usages].sort());
    }
  });

  it("KeyUsage keeps the caller's bits whatever their order", () => {
    const [, a] = leafExtensions(["decipher_only", "digital_signature"], []);
    const [, b] = leafExtensions(["digital_signature", "decipher_only"], []);
    expect(hex(a as Buffer)).toBe(hex(b as Buffer));
    // Nine bits: two octets, seven unused bits in the last.
    expect(hex(a as Buffer)).toMatch(/03030780(80)$/);
  });

  it.each(EXTENDED_KEY_USAGES)("ExtendedKeyUsage %s alone", (usage) => {
    const [, eku] = leafExtensions([], [usage]);
    expect(hex(eku as Buffer)).toBe(
      x509Der(new x509.ExtendedKeyUsageExtension([EXTENDED_KEY_USAGE_OIDS[usage]], false)),
    );
  });

  it("ExtendedKeyUsage with all of them, in the order given, after KeyUsage", () => {
    const usages = [...EXTENDED_KEY_USAGES].reverse();
    const extensions = leafExtensions(["digital_signature"], usages);
    expect(extensions).toHaveLength(3);
    expect(hex(extensions[2] as Buffer)).toBe(
      x509Der(
        new x509.ExtendedKeyUsageExtension(
          usages.map((usage) => EXTENDED_KEY_USAGE_OIDS[usage]),
          false,
        ),
      ),
    );
  });

  it.each([1, 20, 32])("SKI and AKI with a %i-byte key identifier", (length) => {
    const keyId = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + 1) & 0xff));
    expect(hex(subjectKeyIdentifierExtension(keyId))).toBe(
      x509Der(new x509.SubjectKeyIdentifierExtension(keyId.toString("hex"), false)),
    );
    expect(hex(authorityKeyIdentifierExtension(keyId))).toBe(
      x509Der(new x509.AuthorityKeyIdentifierExtension(keyId.toString("hex"), false)),
    );
  });

  const altNames: AltName[] = [
    { type: "dns_name", value: "a.example.com" },
    { type: "dns_name", value: "*.example.com" },
    { type: "ip_address", value: "192.0.2.1" },
    { type: "ip_address", value: "2001:db8::1" },
    { type: "email", value: "ops@example.com" },
    { type: "uri", value: "spiffe://example.com/x" },
  ];

  it.each([false, true])("SAN of all four types, critical %s", (critical) => {
    const x509Names: x509.JsonGeneralNames = [
      { type: "dns", value: "a.example.com" },
      { type: "dns", value: "*.example.com" },
      { type: "ip", value: "192.0.2.1" },
      { type: "ip", value: "2001:db8::1" },
      { type: "email", value: "ops@example.com" },
      { type: "url", value: "spiffe://example.com/x" },
    ];
    expect(hex(subjectAltNameExtension(altNames, critical))).toBe(
      x509Der(new x509.SubjectAlternativeNameExtension(x509Names, critical)),
    );
  });

  it.each([
    "http://pki.example.com/crl/ca-1.crl",
    `http://pki.example.com/${"long/".repeat(40)}crl`,
  ])("CRL Distribution Points with one URI (%#)", (url) => {
    expect(hex(crlDistributionPointsExtension(url))).toBe(
      x509Der(new x509.CRLDistributionPointsExtension([url], false)),
    );
  });

  it.each<[{ caIssuersUrl?: string; ocspUrl?: string }]>([
    [{ caIssuersUrl: "http://pki.example.com/ca.der" }],
    [{ ocspUrl: "http://ocsp.example.com" }],
    [{ caIssuersUrl: "http://pki.example.com/ca.der", ocspUrl: "http://ocsp.example.com" }],
  ])("Authority Information Access %j", (access) => {
    const [aia, ...rest] = authorityInfoAccessExtension(access);
    expect(rest).toEqual([]);
    expect(hex(aia as Buffer)).toBe(
      x509Der(
        new x509.AuthorityInfoAccessExtension(
          {
            ...(access.caIssuersUrl ? { caIssuers: access.caIssuersUrl } : {}),
            ...(access.ocspUrl ? { ocsp: access.ocspUrl } : {}),
          },
          false,
        ),
      ),
    );
  });

  it("writes no AIA when neither URL is given", () => {
    expect(authorityInfoAccessExtension({})).toEqual([]);
  });

  it("BasicConstraints reads back", () => {
    for (const maxPathLength of [-1, 0, 5]) {
      const [der] = caExtensions(maxPathLength);
      expect(decodeBasicConstraints(extensionValue(der))).toEqual({
        ca: true,
        pathLength: maxPathLength,
      });
    }
  });
});
