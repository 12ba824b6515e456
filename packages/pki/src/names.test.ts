import { describe, expect, it } from "vitest";
import { PkiError } from "./errors";
import {
  escapeDnValue,
  namesMatch,
  readName,
  type SubjectInput,
  subjectToName,
  subjectToString,
  validateSubject,
} from "./names";
import { opensslOk } from "./testing/openssl";
import { x509Name } from "./testing/x509-reference";

function nameDer(subject: Parameters<typeof subjectToName>[0]): Buffer {
  return subjectToName(subject);
}

describe("validateSubject", () => {
  it("accepts a full subject and ignores empty fields", () => {
    expect(() =>
      validateSubject({
        commonName: "example.com",
        organization: "Acme",
        ou: "",
        country: "us",
        province: undefined,
        locality: "Zürich",
      }),
    ).not.toThrow();
    expect(() => validateSubject({})).not.toThrow();
  });

  it.each([
    [{ country: "USA" }, "country"],
    [{ country: "1A" }, "country"],
    [{ commonName: "x".repeat(65) }, "commonName"],
    [{ organization: "o".repeat(65) }, "organization"],
    [{ ou: "u".repeat(65) }, "ou"],
    [{ locality: "l".repeat(129) }, "locality"],
    [{ province: "p".repeat(129) }, "province"],
    [{ commonName: "a\u0000b" }, "commonName"],
    [{ organization: "line\nbreak" }, "organization"],
    [{ locality: "tab\there" }, "locality"],
    [{ ou: "c1\u0085control" }, "ou"],
    [{ commonName: "   " }, "commonName"],
    [{ commonName: "\uD800" }, "commonName"],
  ])("rejects %j naming %s", (subject, field) => {
    expect(() => validateSubject(subject)).toThrow(PkiError);
    try {
      validateSubject(subject);
    } catch (error) {
      expect((error as PkiError).field).toBe(field);
    }
  });

  it("counts characters, not bytes or UTF-16 units", () => {
    expect(() => validateSubject({ commonName: "ü".repeat(64) })).not.toThrow();
    expect(() => validateSubject({ commonName: "😀".repeat(64) })).not.toThrow();
    expect(() => validateSubject({ commonName: "😀".repeat(65) })).toThrow(PkiError);
  });
});

describe("subjectToString", () => {
  it("shows the most specific attribute first, escaped", () => {
    expect(subjectToString({ commonName: "example.com", organization: "Acme" })).toBe(
      "CN=example.com, O=Acme",
    );
    expect(
      subjectToString({
        country: "US",
        province: "CA",
        locality: "SF",
        organization: "Acme, Inc.",
        ou: "Web",
        commonName: "a+b",
      }),
    ).toBe("CN=a\\+b, OU=Web, O=Acme\\, Inc., L=SF, ST=CA, C=US");
    expect(subjectToString({})).toBe("");
  });

  it("escapes what RFC 4514 requires", () => {
    expect(escapeDnValue(' #lead, "q" <a>;\\ ')).toBe('\\ #lead\\, \\"q\\" \\<a\\>\\;\\\\\\ ');
    expect(escapeDnValue("#x")).toBe("\\#x");
    expect(escapeDnValue("a\nb")).toBe("a\\0Ab");
  });
});

describe("subjectToName", () => {
  it("encodes one attribute per RDN, C as PrintableString and the rest as UTF8String", () => {
    const der = nameDer({ commonName: "Test, O=x", organization: "Acme", country: "US" });
    const parsed = opensslOk(["asn1parse", "-inform", "DER"], der);
    expect(parsed.match(/ SET /g)).toHaveLength(3);
    expect(parsed).toMatch(/countryName\n.*PRINTABLESTRING\s+:US/);
    expect(parsed).toMatch(/organizationName\n.*UTF8STRING\s+:Acme/);
    expect(parsed).toMatch(/commonName\n.*UTF8STRING\s+:Test, O=x/);
  });

  it("writes exactly what @peculiar/x509 writes for the same attributes", () => {
    const subjects: SubjectInput[] = [
      {},
      { commonName: "example.com" },
      {
        commonName: "Zoë's CA, O=not-an-rdn",
        organization: "Acme 株式会社",
        ou: "PKI",
        country: "de",
        province: "Baden-Württemberg",
        locality: "Zürich",
      },
      { organization: "O".repeat(64), country: "US" },
    ];
    for (const subject of subjects) {
      const expected = Buffer.from(x509Name(subject).toArrayBuffer());
      expect(nameDer(subject).toString("hex"), JSON.stringify(subject)).toBe(
        expected.toString("hex"),
      );
    }
  });

  it("reads back what it wrote", () => {
    const rdns = readName(nameDer({ commonName: "Zoë", locality: "Zürich" }));
    expect(rdns).toHaveLength(2);
    expect(rdns.map((rdn) => rdn[0]?.value)).toEqual(["Zürich", "Zoë"]);
  });
});

describe("namesMatch", () => {
  it("matches equal names across case, spacing and string type, and nothing else", () => {
    const a = nameDer({ commonName: "Example  CA", organization: "Acme" });
    expect(namesMatch(a, nameDer({ commonName: "example ca", organization: "ACME" }))).toBe(true);
    // PrintableString vs UTF8String for the same text.
    const printable = Buffer.from("300f310d300b0603550403130441636d65", "hex");
    const utf8 = Buffer.from("300f310d300b06035504030c0441636d65", "hex");
    expect(namesMatch(printable, utf8)).toBe(true);
    expect(namesMatch(a, nameDer({ commonName: "Example CA", organization: "Acme Corp" }))).toBe(
      false,
    );
    expect(namesMatch(a, nameDer({ commonName: "Example CA" }))).toBe(false);
  });
});
