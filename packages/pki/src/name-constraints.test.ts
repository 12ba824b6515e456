import { afterAll, describe, expect, it } from "vitest";
import { createCertificate } from "./certificate";
import { parseCertificate, readCertificateNameConstraints } from "./certificate-info";
import { readCertificate } from "./certificate-parts";
import { PkiError } from "./errors";
import { EXTENSION_OIDS, findExtension, nameConstraintsExtension } from "./extensions";
import { generateKeyPair } from "./keys";
import {
  decodeNameConstraints,
  encodeNameConstraints,
  type NameConstraintsInput,
  nameSubtreeProblem,
} from "./name-constraints";
import { decodePem } from "./pem";
import { certificateInput, makeRoot, selfSignedBy } from "./testing/fixtures";
import { createScratch, opensslOk, opensslVerify, x509Text } from "./testing/openssl";
import { thrown } from "./testing/thrown";

const scratch = createScratch();
afterAll(() => scratch.remove());

let files = 0;

/** The nameConstraints extension of a certificate openssl makes with `-addext`. */
function opensslExtension(addext: string): { critical: boolean; value: Buffer } {
  const n = ++files;
  const pem = opensslOk([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    scratch.path(`openssl-${n}.key`),
    "-subj",
    "/CN=openssl constrained",
    "-days",
    "1",
    "-addext",
    addext,
  ]);
  const found = findExtension(
    readCertificate(decodePem(pem, "CERTIFICATE", "certificate")).extensions,
    EXTENSION_OIDS.nameConstraints,
  );
  if (!found) throw new Error(`openssl wrote no nameConstraints for ${addext}`);
  return found;
}

const everything: NameConstraintsInput = {
  permitted: {
    dns: ["example.com", ".example.org"],
    ip: ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"],
    email: ["ops@example.com", "example.com", ".example.com"],
  },
  excluded: {
    dns: ["bad.example.com"],
    ip: ["10.1.0.0/16", "2001:db8:1::/48"],
    email: ["root@example.com"],
  },
};
// The same, in openssl's config syntax (IP as address/mask), in the order certq writes.
const everythingOpenssl =
  "nameConstraints=critical," +
  [
    "permitted;DNS:example.com",
    "permitted;DNS:.example.org",
    "permitted;IP:10.0.0.0/255.0.0.0",
    "permitted;IP:192.0.2.0/255.255.255.0",
    "permitted;IP:2001:db8::/ffff:ffff::",
    "permitted;email:ops@example.com",
    "permitted;email:example.com",
    "permitted;email:.example.com",
    "excluded;DNS:bad.example.com",
    "excluded;IP:10.1.0.0/255.255.0.0",
    "excluded;IP:2001:db8:1::/ffff:ffff:ffff::",
    "excluded;email:root@example.com",
  ].join(",");

describe("nameConstraints encoding matches openssl's byte for byte", () => {
  it.each<[string, NameConstraintsInput, string]>([
    ["every type on both sides", everything, everythingOpenssl],
    [
      "permitted only",
      { permitted: { dns: ["example.com"] } },
      "nameConstraints=critical,permitted;DNS:example.com",
    ],
    [
      "excluded only",
      { excluded: { ip: ["0.0.0.0/0", "::/0"] } },
      "nameConstraints=critical,excluded;IP:0.0.0.0/0.0.0.0,excluded;IP:::/::",
    ],
    [
      "a /32 and a /128",
      { permitted: { ip: ["192.0.2.1/32", "2001:db8::1/128"] } },
      "nameConstraints=critical,permitted;IP:192.0.2.1/255.255.255.255,permitted;IP:2001:db8::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ],
  ])("%s", (_name, input, addext) => {
    const reference = opensslExtension(addext);
    expect(reference.critical).toBe(true);
    expect(encodeNameConstraints(input).toString("hex")).toBe(reference.value.toString("hex"));
    // The whole Extension: OID 2.5.29.30, critical TRUE, then the value.
    expect(nameConstraintsExtension(input).toString("hex")).toMatch(
      new RegExp(
        `^30[0-9a-f]{2,6}0603551d1e0101ff04[0-9a-f]{2,6}${reference.value.toString("hex")}$`,
      ),
    );
  });
});

describe("decodeNameConstraints", () => {
  it("reads back what certq writes", () => {
    const decoded = decodeNameConstraints(encodeNameConstraints(everything), true);
    expect(decoded).toEqual({
      critical: true,
      permitted: { ...everything.permitted, uri: [], other: [] },
      excluded: { ...everything.excluded, uri: [], other: [] },
    });
  });

  it("reads openssl's, keeping kinds certq does not evaluate as uri and other", () => {
    const { value, critical } = opensslExtension(
      "nameConstraints=permitted;DNS:example.com,permitted;URI:.example.com," +
        "excluded;otherName:1.2.3.4;UTF8:x,excluded;IP:10.0.0.0/255.0.255.0,excluded;IP:192.0.2.77/255.255.255.0",
    );
    const decoded = decodeNameConstraints(value, critical);
    expect(decoded.critical).toBe(false);
    expect(decoded.permitted.dns).toEqual(["example.com"]);
    expect(decoded.permitted.uri).toEqual([".example.com"]);
    expect(decoded.excluded.other).toEqual([
      "otherName",
      "iPAddress 0a000000ff00ff00 (not address and contiguous mask)",
    ]);
    // Bits beyond the mask mean nothing to verifiers: they are dropped.
    expect(decoded.excluded.ip).toEqual(["192.0.2.0/24"]);
  });
});

describe("nameSubtreeProblem", () => {
  it.each<[Parameters<typeof nameSubtreeProblem>[0], string]>([
    ["dns", "example.com"],
    ["dns", ".example.com"],
    ["dns", "a-b.c"],
    ["ip", "10.0.0.0/8"],
    ["ip", "0.0.0.0/0"],
    ["ip", "2001:db8::/32"],
    ["ip", "::/0"],
    ["email", "ops@example.com"],
    ["email", "example.com"],
    ["email", ".example.com"],
  ])("accepts %s %s", (type, value) => {
    expect(nameSubtreeProblem(type, value)).toBeNull();
  });

  it.each<[Parameters<typeof nameSubtreeProblem>[0], string]>([
    ["dns", ""],
    ["dns", "."],
    ["dns", "*.example.com"],
    ["dns", "..example.com"],
    ["dns", "example..com"],
    ["dns", "-a.example.com"],
    ["dns", "192.0.2.1"],
    ["dns", "exa mple.com"],
    ["ip", "10.0.0.0"],
    ["ip", "10.0.0.1/8"],
    ["ip", "10.0.0.0/33"],
    ["ip", "2001:db8::/129"],
    ["ip", "10.0.0.0/08"],
    ["ip", "fe80::%eth0/64"],
    ["ip", "example.com/8"],
    ["email", "@example.com"],
    ["email", "ops@"],
    ["email", "a@b@example.com"],
    ["email", "*@example.com"],
    ["email", ""],
  ])("refuses %s %j", (type, value) => {
    expect(nameSubtreeProblem(type, value)).toMatch(/./);
  });

  it("names the bad value's field", () => {
    const error = thrown(() =>
      encodeNameConstraints({
        permitted: { dns: ["example.com"] },
        excluded: { ip: ["10.0.0.0/8", "10.0.0.1/8"] },
      }),
    );
    expect(error).toBeInstanceOf(PkiError);
    expect((error as PkiError).field).toBe("nameConstraints.excluded.ip[1]");
  });

  it("refuses constraints that name no subtree", () => {
    expect(() => encodeNameConstraints({ permitted: { dns: [] } })).toThrow(/at least one subtree/);
  });
});

describe("CA certificates with nameConstraints", () => {
  it("openssl x509 -text shows them, critical, and parseCertificate reads them", async () => {
    const root = await makeRoot("EC_prime256v1", { subject: { commonName: "Constrained Root" } });
    const text = x509Text(root.pem);
    expect(text).not.toContain("Name Constraints");

    const keys = await generateKeyPair("EC_prime256v1");
    const pem = await createCertificate(
      certificateInput({
        subject: { commonName: "Constrained Root" },
        publicKeySpki: keys.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: selfSignedBy(keys),
        ca: { maxPathLength: -1 },
        nameConstraints: everything,
      }),
    );
    const shown = x509Text(pem);
    expect(shown).toContain("X509v3 Name Constraints: critical");
    expect(shown).toMatch(
      /Permitted:\s+DNS:example\.com\s+DNS:\.example\.org\s+IP:10\.0\.0\.0\/255\.0\.0\.0\s+IP:192\.0\.2\.0\/255\.255\.255\.0\s+IP:2001:DB8:0:0:0:0:0:0\/FFFF:FFFF:0:0:0:0:0:0\s+email:ops@example\.com\s+email:example\.com\s+email:\.example\.com\s+Excluded:\s+DNS:bad\.example\.com\s+IP:10\.1\.0\.0\/255\.255\.0\.0\s+IP:2001:DB8:1:0:0:0:0:0\/FFFF:FFFF:FFFF:0:0:0:0:0\s+email:root@example\.com/,
    );
    expect(parseCertificate(pem).nameConstraints).toEqual({
      critical: true,
      permitted: { ...everything.permitted, uri: [], other: [] },
      excluded: { ...everything.excluded, uri: [], other: [] },
    });
    expect(parseCertificate(root.pem).nameConstraints).toBeNull();
    // The light reader (no full parse) sees the same.
    expect(readCertificateNameConstraints(pem)).toEqual({
      subjectString: "CN=Constrained Root",
      nameConstraints: parseCertificate(pem).nameConstraints,
    });
    expect(readCertificateNameConstraints(root.pem).nameConstraints).toBeNull();
    expect(() => readCertificateNameConstraints("not a pem")).toThrow(PkiError);
  });

  it("a leaf cannot carry them", async () => {
    const root = await makeRoot("EC_prime256v1", { subject: { commonName: "Root" } });
    const keys = await generateKeyPair("EC_prime256v1");
    await expect(
      createCertificate(
        certificateInput({
          subject: { commonName: "leaf.example.com" },
          publicKeySpki: keys.publicKeySpki,
          signatureAlgorithm: "ECDSA-SHA256",
          issuer: root.signer,
          nameConstraints: { permitted: { dns: ["example.com"] } },
        }),
      ),
    ).rejects.toThrow(/only for CA certificates/);
  });

  it("openssl verify enforces them on a leaf certq signs regardless (the extension is real)", async () => {
    const keys = await generateKeyPair("EC_prime256v1");
    const rootPem = await createCertificate(
      certificateInput({
        subject: { commonName: "Constrained Root" },
        publicKeySpki: keys.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: selfSignedBy(keys),
        ca: { maxPathLength: -1 },
        nameConstraints: {
          permitted: { dns: ["example.com"] },
          excluded: { dns: ["bad.example.com"] },
        },
      }),
    );
    const rootFile = scratch.write("constrained-root.pem", rootPem);
    const leafKeys = await generateKeyPair("EC_prime256v1");
    const verifyLeaf = async (dns: string) => {
      const pem = await createCertificate(
        certificateInput({
          subject: {},
          publicKeySpki: leafKeys.publicKeySpki,
          signatureAlgorithm: "ECDSA-SHA256",
          issuer: {
            certificatePem: rootPem,
            privateKeyPkcs8: keys.privateKeyPkcs8,
            keyAlgorithm: keys.algorithm,
          },
          altNames: [{ type: "dns_name", value: dns }],
        }),
      );
      const result = opensslVerify(rootFile, scratch.write(`leaf-${++files}.pem`, pem));
      return result.stdout + result.stderr;
    };
    expect(await verifyLeaf("www.example.com")).toMatch(/: OK/);
    expect(await verifyLeaf("www.example.net")).toMatch(/permitted subtree violation/);
    expect(await verifyLeaf("x.bad.example.com")).toMatch(/excluded subtree violation/);
  });
});
