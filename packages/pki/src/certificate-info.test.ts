import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "./certificate-info";
import { PkiError } from "./errors";
import { encodePem } from "./pem";
import { createScratch, opensslCsr, opensslOk, opensslSignCsr } from "./testing/openssl";

const scratch = createScratch();
afterAll(() => scratch.remove());

// An external hierarchy made entirely by openssl, with things certq never emits.
const root = { certificateFile: scratch.path("root.pem"), keyFile: scratch.path("root.key") };
let rootPem = "";
let leafCsr = "";
let leafPem = "";

beforeAll(() => {
  opensslOk([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    root.keyFile,
    "-out",
    root.certificateFile,
    "-subj",
    "/C=GB/O=Outside Ltd/CN=Outside Root",
    "-set_serial",
    "0x80aa",
    "-days",
    "3650",
    "-addext",
    "basicConstraints=critical,CA:TRUE,pathlen:3",
  ]);
  leafCsr = opensslCsr(scratch.path("leaf.key"), "/CN=outside.example/emailAddress=x@example.com", {
    key: "P-521",
  });
  const extFile = scratch.write(
    "leaf.ext",
    "subjectAltName=DNS:outside.example,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:upn@example,IP:::1\n" +
      "subjectKeyIdentifier=none\nauthorityKeyIdentifier=keyid\n",
  );
  leafPem = opensslSignCsr(leafCsr, root, { serial: "12345", days: 30, extensionsFile: extFile });
  rootPem = scratch.read("root.pem").toString("utf8");
});

describe("parseCertificate", () => {
  it("reads an openssl-made root as openssl does", () => {
    const info = parseCertificate(rootPem);
    expect(info.serialNumber).toBe("0080aa"); // DER pads the high bit with a zero byte
    expect(opensslOk(["x509", "-noout", "-serial"], rootPem).trim()).toBe("serial=80AA");
    expect(info.subject).toEqual({
      country: "GB",
      organization: "Outside Ltd",
      commonName: "Outside Root",
    });
    expect(info.subjectString).toBe("CN=Outside Root, O=Outside Ltd, C=GB");
    expect(info.issuerString).toBe(info.subjectString);
    const dates = opensslOk(
      ["x509", "-noout", "-startdate", "-enddate", "-dateopt", "iso_8601"],
      rootPem,
    );
    const [notBefore, notAfter] = [...dates.matchAll(/=(\S+) (\S+)\n/g)].map(
      ([, day, time]) => new Date(`${day}T${time}`),
    );
    expect(info.notBefore).toEqual(notBefore);
    expect(info.notAfter).toEqual(notAfter);
    expect(info).toMatchObject({
      isCa: true,
      maxPathLength: 3,
      selfSigned: true,
      keyAlgorithm: "RSA_2048",
    });
    const fingerprint = opensslOk(["x509", "-noout", "-fingerprint", "-sha256"], rootPem);
    expect(fingerprint.trim().split("=")[1]?.replace(/:/g, "").toLowerCase()).toBe(
      info.fingerprintSha256,
    );
    const ski = opensslOk(["x509", "-noout", "-ext", "subjectKeyIdentifier"], rootPem);
    expect(ski.split("\n")[1]?.trim().replace(/:/g, "").toLowerCase()).toBe(info.subjectKeyId);
    const spki = opensslOk(["x509", "-noout", "-pubkey"], rootPem);
    expect(spki).toContain(info.publicKeySpki.toString("base64").slice(0, 64));
  });

  it("reads a leaf with SAN types certq does not model, skipping them", () => {
    const info = parseCertificate(leafPem);
    expect(info.subject).toEqual({ commonName: "outside.example" });
    expect(info.subjectString).toBe("emailAddress=x@example.com, CN=outside.example");
    expect(info.issuerString).toBe("CN=Outside Root, O=Outside Ltd, C=GB");
    expect(info.serialNumber).toBe("3039");
    expect(info.altNames).toEqual([
      { type: "dns_name", value: "outside.example" },
      { type: "ip_address", value: "::1" },
    ]);
    expect(info).toMatchObject({
      isCa: false,
      maxPathLength: -1,
      selfSigned: false,
      keyAlgorithm: "EC_secp521r1",
      subjectKeyId: null,
      authorityKeyId: parseCertificate(rootPem).subjectKeyId,
    });
  });

  it("does not call a certificate self-signed just because its names match", () => {
    // Same subject and issuer name as the root, but signed by the root's key over another key.
    const csr = opensslCsr(scratch.path("same-name.key"), "/C=GB/O=Outside Ltd/CN=Outside Root");
    const pem = opensslSignCsr(csr, root, { serial: "5" });
    const info = parseCertificate(pem);
    expect(info.subjectString).toBe(info.issuerString);
    expect(info.selfSigned).toBe(false);
  });

  it("throws PkiError(certificate) for anything else", () => {
    for (const pem of [
      "",
      "garbage",
      leafCsr,
      encodePem("CERTIFICATE", Buffer.from("3000", "hex")),
    ]) {
      expect(() => parseCertificate(pem)).toThrow(PkiError);
      try {
        parseCertificate(pem);
      } catch (error) {
        expect((error as PkiError).field).toBe("certificate");
      }
    }
    const truncated = rootPem.split("\n");
    truncated.splice(5, 3);
    expect(() => parseCertificate(truncated.join("\n"))).toThrow(PkiError);
  });
});
