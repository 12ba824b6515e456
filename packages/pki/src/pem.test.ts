import { describe, expect, it } from "vitest";
import { decodePem, encodePem, joinPem, splitPemBundle } from "./pem";
import { opensslOk } from "./testing/openssl";

const a = encodePem("CERTIFICATE", Buffer.alloc(100, 1));
const b = encodePem("CERTIFICATE", Buffer.alloc(50, 2));

describe("splitPemBundle / joinPem", () => {
  it("splits a CRLF bundle with noise and re-joins it", () => {
    const bundle = `subject=CN=x\r\n${a.replace(/\n/g, "\r\n")}\r\n\r\n-----BEGIN PRIVATE KEY-----\r\nAAAA\r\n-----END PRIVATE KEY-----\r\n${b}`;
    const parts = splitPemBundle(bundle);
    expect(parts).toEqual([a, b]);
    expect(parts.every((part) => !part.includes("\r"))).toBe(true);
    const joined = joinPem(parts);
    expect(joined).toBe(`${a}${b}`);
    expect(splitPemBundle(joined)).toEqual([a, b]);
    expect(splitPemBundle("")).toEqual([]);
    expect(joinPem([])).toBe("");
  });

  it("re-wraps long base64 lines at 64 characters", () => {
    const oneLine = a.trim().split("\n").slice(1, -1).join("");
    const [part] = splitPemBundle(
      `-----BEGIN CERTIFICATE-----\n${oneLine}\n-----END CERTIFICATE-----`,
    );
    expect(part).toBe(a);
  });
});

describe("encodePem / decodePem", () => {
  it("writes PEM that openssl reads", () => {
    const der = Buffer.from("0403010203", "hex"); // OCTET STRING 01 02 03
    const pem = encodePem("SOMETHING", der);
    expect(decodePem(pem, "SOMETHING", "x").equals(der)).toBe(true);
    expect(opensslOk(["asn1parse"], pem)).toContain("OCTET STRING");
  });

  it("rejects missing, repeated and corrupt blocks", () => {
    expect(() => decodePem("nothing", "CERTIFICATE", "certificate")).toThrow(/not a PEM/);
    expect(() => decodePem(`${a}\n${b}`, "CERTIFICATE", "certificate")).toThrow(
      /expected exactly one/,
    );
    const corrupt = a.replace(/\n[A-Za-z0-9+/]{4}/, "\n*&^%");
    expect(() => decodePem(corrupt, "CERTIFICATE", "certificate")).toThrow(/invalid base64/);
  });
});
