import { describe, expect, it } from "vitest";
import { acmeCertIdOf, formatAcmeCertId, parseAcmeCertId } from "./acme-cert-id";
import { createScratch, makeCa, opensslOk } from "./testing";
import { thrown } from "./testing/thrown";

describe("ACME certID (RFC 9773 4.1)", () => {
  it("reads the RFC's example: AKI 69:88:5B:..., serial 0x0087654321 (padded positive)", () => {
    const id = parseAcmeCertId("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
    expect(id.keyIdentifier.toString("hex")).toBe("69885b6b87464041e1b37b847ba0ae2cde01c8d4");
    expect(id.serialNumber.toString("hex")).toBe("0087654321");
    expect(formatAcmeCertId(id)).toBe("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
  });

  it("of a certificate is its AKI and serial as openssl prints them", async () => {
    const scratch = createScratch();
    try {
      const ca = await makeCa(scratch, "certid", "EC_prime256v1");
      const leaf = await ca.issueLeaf("certid.example.test");
      const printed = opensslOk(
        ["x509", "-noout", "-serial", "-ext", "authorityKeyIdentifier"],
        leaf.pem,
      );
      const serial = /serial=([0-9A-F]+)/.exec(printed)?.[1] as string;
      const aki = (/keyid:([0-9A-F:]+)/.exec(printed)?.[1] ??
        /\n\s+([0-9A-F:]{20,})/.exec(printed)?.[1]) as string;
      expect(aki, printed).toBeDefined();
      const [key, serialPart] = acmeCertIdOf(leaf.pem).split(".");
      expect(Buffer.from(key as string, "base64url").toString("hex")).toBe(
        aki.replaceAll(":", "").toLowerCase(),
      );
      expect(Buffer.from(serialPart as string, "base64url").toString("hex")).toBe(
        serial.toLowerCase(),
      );
    } finally {
      scratch.remove();
    }
  });

  it.each([
    ["no dot", "aYhba4dGQEHhs3uEe6CuLN4ByNQ"],
    ["two dots", "aYhb.AIdl.QyE"],
    ["an empty key identifier", ".AIdlQyE"],
    ["an empty serial", "aYhba4dGQEHhs3uEe6CuLN4ByNQ."],
    ["padding", "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE"],
    ["standard base64 characters", "aYhba4dGQEHhs3uEe6CuLN4B+NQ.AIdlQyE"],
    ["non-canonical trailing bits", "aYhba4dGQEHhs3uEe6CuLN4ByNR.AIdlQyE"],
    [
      "a negative serial",
      `aYhba4dGQEHhs3uEe6CuLN4ByNQ.${Buffer.from([0x87, 0x65]).toString("base64url")}`,
    ],
    [
      "a non-minimal serial",
      `aYhba4dGQEHhs3uEe6CuLN4ByNQ.${Buffer.from([0, 0x12]).toString("base64url")}`,
    ],
    [
      "a 33-byte serial",
      `aYhba4dGQEHhs3uEe6CuLN4ByNQ.${Buffer.alloc(33, 1).toString("base64url")}`,
    ],
    ["too long", `${"A".repeat(300)}.AIdlQyE`],
  ])("refuses %s", (_, text) => {
    const error = thrown(() => parseAcmeCertId(text));
    expect(error, text).toMatchObject({ name: "PkiError", field: "certID" });
  });
});
