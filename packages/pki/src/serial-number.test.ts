import { describe, expect, it } from "vitest";
import { generateSerialNumber } from "./serial-number";
import { opensslOk } from "./testing/openssl";

describe("generateSerialNumber", () => {
  it("is 40 lowercase hex characters, positive, with a non-zero first byte", () => {
    const serials = Array.from({ length: 1000 }, () => generateSerialNumber());
    for (const serial of serials) {
      expect(serial).toMatch(/^[0-9a-f]{40}$/);
      const first = Number.parseInt(serial.slice(0, 2), 16);
      expect(first & 0x80).toBe(0);
      expect(first).not.toBe(0);
    }
    expect(new Set(serials).size).toBe(1000);
  });

  it("reads back as the same 20-byte INTEGER in openssl", () => {
    const serial = generateSerialNumber();
    const der = `0214${serial}`;
    const parsed = opensslOk(["asn1parse", "-inform", "DER"], Buffer.from(der, "hex"));
    expect(parsed).toContain(`INTEGER           :${serial.toUpperCase()}`);
  });
});
