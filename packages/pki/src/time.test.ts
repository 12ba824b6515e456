import { describe, expect, it } from "vitest";
import { createCertificate } from "./certificate";
import { parseCertificate } from "./certificate-info";
import { generateKeyPair } from "./keys";
import { generateSerialNumber } from "./serial-number";
import { certificateTime, isLaterInSeconds } from "./time";

describe("certificateTime", () => {
  it.each([
    ["2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z"],
    ["2030-01-01T00:00:00.999Z", "2030-01-01T00:00:00.000Z"],
    ["2049-12-31T23:59:59.500Z", "2049-12-31T23:59:59.000Z"],
    ["2050-01-01T00:00:00.001Z", "2050-01-01T00:00:00.000Z"],
    // Before 1970 the epoch milliseconds are negative: still floored towards the past.
    ["1969-12-31T23:59:58.500Z", "1969-12-31T23:59:58.000Z"],
  ])("%s is recorded as %s", (given, recorded) => {
    expect(certificateTime(new Date(given)).toISOString()).toBe(recorded);
  });

  it("returns a new Date and leaves its argument alone", () => {
    const date = new Date("2030-01-01T00:00:00.250Z");
    expect(certificateTime(date)).not.toBe(date);
    expect(date.toISOString()).toBe("2030-01-01T00:00:00.250Z");
  });

  it("is what the certificate holds, in UTCTime and GeneralizedTime alike", async () => {
    const keys = await generateKeyPair("EC_prime256v1");
    const notBefore = new Date("2031-05-06T07:08:09.876Z");
    const notAfter = new Date("2061-05-06T07:08:09.123Z");
    const info = parseCertificate(
      await createCertificate({
        subject: { commonName: "time.example.com" },
        publicKeySpki: keys.publicKeySpki,
        serialNumber: generateSerialNumber(),
        notBefore,
        notAfter,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: {
          selfSigned: { privateKeyPkcs8: keys.privateKeyPkcs8, keyAlgorithm: keys.algorithm },
        },
      }),
    );
    expect(info.notBefore).toEqual(certificateTime(notBefore));
    expect(info.notAfter).toEqual(certificateTime(notAfter));
  });

  it("agrees with isLaterInSeconds", () => {
    const a = new Date("2030-01-01T00:00:00.900Z");
    const b = new Date("2030-01-01T00:00:01.100Z");
    expect(isLaterInSeconds(b, a)).toBe(true);
    expect(isLaterInSeconds(new Date("2030-01-01T00:00:00.999Z"), a)).toBe(false);
    expect(certificateTime(b).getTime() - certificateTime(a).getTime()).toBe(1000);
  });
});
