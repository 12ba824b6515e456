import {
  type AltName,
  canonicalNameConstraints,
  createCertificate,
  generateKeyPair,
  type NameConstraintsInput,
} from "@certq/pki";
import {
  certificateInput,
  createScratch,
  opensslVerify,
  selfSignedBy,
  signerInput,
} from "@certq/pki/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameConstraintViolationError } from "../errors";
import {
  assertNameConstraints,
  type ConstrainingCa,
  commonNameLooksLikeDns,
  dnsInSubtree,
  emailInSubtree,
  nameConstraintViolations,
} from "./name-constraints";

const level = (ca: string, input: NameConstraintsInput): ConstrainingCa => ({
  ca,
  constraints: canonicalNameConstraints(input),
});

const dns = (value: string): AltName => ({ type: "dns_name", value });
const ip = (value: string): AltName => ({ type: "ip_address", value });
const email = (value: string): AltName => ({ type: "email", value });

interface Row {
  name: string;
  constraints: NameConstraintsInput;
  commonName?: string;
  altNames?: AltName[];
  /** The violation expected (a fragment of its message), or null when the leaf is allowed. */
  violation: string | null;
  /** certq refuses what openssl verify accepts: its deliberate, documented strictness. */
  stricterThanOpenssl?: boolean;
}

const example = { permitted: { dns: ["example.com"] } };

const rows: Row[] = [
  // DNS: `example.com` is the name and every subdomain; `.example.com` only subdomains.
  {
    name: "the base name itself",
    constraints: example,
    altNames: [dns("example.com")],
    violation: null,
  },
  {
    name: "a subdomain",
    constraints: example,
    altNames: [dns("www.example.com")],
    violation: null,
  },
  {
    name: "a deeper subdomain",
    constraints: example,
    altNames: [dns("a.b.example.com")],
    violation: null,
  },
  {
    name: "a suffix that is no subdomain",
    constraints: example,
    altNames: [dns("badexample.com")],
    violation: "outside the permitted dns subtrees [example.com]",
  },
  {
    name: "another domain",
    constraints: example,
    altNames: [dns("example.org")],
    violation: "outside the permitted",
  },
  {
    name: "leading dot: not the name itself",
    constraints: { permitted: { dns: [".example.com"] } },
    altNames: [dns("example.com")],
    violation: "outside the permitted",
  },
  {
    name: "leading dot: a subdomain",
    constraints: { permitted: { dns: [".example.com"] } },
    altNames: [dns("www.example.com")],
    violation: null,
  },
  {
    name: "case-insensitive",
    constraints: { permitted: { dns: ["Example.COM"] } },
    altNames: [dns("WWW.example.com")],
    violation: null,
  },
  {
    name: "one of several permitted",
    constraints: { permitted: { dns: ["example.org", "example.com"] } },
    altNames: [dns("a.example.com")],
    violation: null,
  },
  {
    name: "every SAN must be permitted",
    constraints: example,
    altNames: [dns("a.example.com"), dns("a.example.net")],
    violation: "altNames.1.value: dns_name 'a.example.net'",
  },
  {
    name: "excluded name",
    constraints: { excluded: { dns: ["bad.example.com"] } },
    altNames: [dns("bad.example.com")],
    violation: "inside the excluded dns subtree 'bad.example.com'",
  },
  {
    name: "below an excluded name",
    constraints: { excluded: { dns: ["bad.example.com"] } },
    altNames: [dns("x.bad.example.com")],
    violation: "inside the excluded",
  },
  {
    name: "beside an excluded name",
    constraints: { excluded: { dns: ["bad.example.com"] } },
    altNames: [dns("good.example.com")],
    violation: null,
  },
  {
    name: "excluded wins over permitted",
    constraints: { permitted: { dns: ["example.com"] }, excluded: { dns: ["bad.example.com"] } },
    altNames: [dns("bad.example.com")],
    violation: "inside the excluded",
  },
  {
    name: "a wildcard inside the permitted subtree",
    constraints: example,
    altNames: [dns("*.example.com")],
    violation: null,
  },
  {
    name: "a wildcard wider than the permitted subtree",
    constraints: { permitted: { dns: ["www.example.com"] } },
    altNames: [dns("*.example.com")],
    violation: "outside the permitted",
  },
  {
    name: "a wildcard that covers an excluded name",
    constraints: { excluded: { dns: ["www.example.com"] } },
    altNames: [dns("*.example.com")],
    violation: "inside the excluded",
    stricterThanOpenssl: true,
  },
  {
    name: "a wildcard under an excluded domain",
    constraints: { excluded: { dns: [".example.com"] } },
    altNames: [dns("*.example.com")],
    violation: "inside the excluded",
  },
  {
    name: "a wildcard beside a deeper excluded name",
    constraints: { excluded: { dns: ["a.b.example.com"] } },
    altNames: [dns("*.example.com")],
    violation: null,
  },
  {
    name: "types without subtrees are free",
    constraints: { permitted: { ip: ["10.0.0.0/8"] } },
    altNames: [dns("anything.example.org")],
    violation: null,
  },
  // IP: CIDR ranges, families never mix.
  {
    name: "IPv4 inside",
    constraints: { permitted: { ip: ["10.0.0.0/8"] } },
    altNames: [ip("10.1.2.3")],
    violation: null,
  },
  {
    name: "IPv4 outside",
    constraints: { permitted: { ip: ["10.0.0.0/8"] } },
    altNames: [ip("11.0.0.1")],
    violation: "outside the permitted ip subtrees [10.0.0.0/8]",
  },
  {
    name: "IPv6 inside",
    constraints: { permitted: { ip: ["2001:db8::/32"] } },
    altNames: [ip("2001:db8:1::1")],
    violation: null,
  },
  {
    name: "IPv6 outside",
    constraints: { permitted: { ip: ["2001:db8::/32"] } },
    altNames: [ip("2001:db9::1")],
    violation: "outside the permitted",
  },
  {
    name: "IPv6 under IPv4-only subtrees",
    constraints: { permitted: { ip: ["10.0.0.0/8"] } },
    altNames: [ip("::1")],
    violation: "outside the permitted",
  },
  {
    name: "IPv4-mapped IPv6 is IPv6",
    constraints: { permitted: { ip: ["10.0.0.0/8"] } },
    altNames: [ip("::ffff:10.0.0.1")],
    violation: "outside the permitted",
  },
  {
    name: "every IPv4 excluded",
    constraints: { excluded: { ip: ["0.0.0.0/0", "::/0"] } },
    altNames: [ip("192.0.2.1")],
    violation: "inside the excluded ip subtree '0.0.0.0/0'",
  },
  {
    name: "every IPv6 excluded",
    constraints: { excluded: { ip: ["0.0.0.0/0", "::/0"] } },
    altNames: [ip("2001:db8::1")],
    violation: "inside the excluded ip subtree '::/0'",
  },
  {
    name: "a /32 host",
    constraints: { permitted: { ip: ["192.0.2.1/32"] } },
    altNames: [ip("192.0.2.1")],
    violation: null,
  },
  {
    name: "beside a /32 host",
    constraints: { permitted: { ip: ["192.0.2.1/32"] } },
    altNames: [ip("192.0.2.2")],
    violation: "outside the permitted",
  },
  // email: a mailbox, a host, or `.domain` for hosts below it.
  {
    name: "the permitted mailbox",
    constraints: { permitted: { email: ["ops@example.com"] } },
    altNames: [email("ops@example.com")],
    violation: null,
  },
  {
    name: "mailbox local part is case-sensitive",
    constraints: { permitted: { email: ["ops@example.com"] } },
    altNames: [email("Ops@example.com")],
    violation: "outside the permitted email subtrees",
  },
  {
    name: "mailbox host is not",
    constraints: { permitted: { email: ["ops@example.com"] } },
    altNames: [email("ops@EXAMPLE.com")],
    violation: null,
  },
  {
    name: "any mailbox at the host",
    constraints: { permitted: { email: ["example.com"] } },
    altNames: [email("anyone@example.com")],
    violation: null,
  },
  {
    name: "a host is not its subdomains",
    constraints: { permitted: { email: ["example.com"] } },
    altNames: [email("anyone@sub.example.com")],
    violation: "outside the permitted",
  },
  {
    name: "`.domain` holds hosts below it",
    constraints: { permitted: { email: [".example.com"] } },
    altNames: [email("a@sub.example.com")],
    violation: null,
  },
  {
    name: "`.domain` is not the host itself",
    constraints: { permitted: { email: [".example.com"] } },
    altNames: [email("a@example.com")],
    violation: "outside the permitted",
  },
  {
    name: "an excluded mailbox at a permitted host",
    constraints: {
      permitted: { email: ["example.com"] },
      excluded: { email: ["root@example.com"] },
    },
    altNames: [email("root@example.com")],
    violation: "inside the excluded email subtree 'root@example.com'",
  },
  // The subject CN, when it looks like a DNS name.
  {
    name: "a DNS-like CN without SANs",
    constraints: example,
    commonName: "www.example.net",
    violation: "commonName: dns_name 'www.example.net' is outside the permitted",
  },
  {
    name: "a DNS-like CN inside",
    constraints: example,
    commonName: "www.example.com",
    violation: null,
  },
  {
    name: "a CN that is no DNS name",
    constraints: example,
    commonName: "Jane Doe",
    violation: null,
  },
  {
    name: "a one-label CN (openssl skips it too)",
    constraints: example,
    commonName: "localhost",
    violation: null,
  },
  {
    name: "a DNS-like CN beside DNS SANs",
    constraints: example,
    commonName: "www.example.net",
    altNames: [dns("www.example.com")],
    violation: "commonName: dns_name 'www.example.net'",
    stricterThanOpenssl: true,
  },
  // URI SANs: never under a constrained CA.
  {
    name: "a URI under a constrained CA",
    constraints: example,
    altNames: [{ type: "uri", value: "https://www.example.com/" }],
    violation:
      "altNames.0.value: uri 'https://www.example.com/' is not allowed under the name constraints",
    stricterThanOpenssl: true,
  },
];

const scratch = createScratch();
afterAll(() => scratch.remove());
let leafKeys: Awaited<ReturnType<typeof generateKeyPair>>;
beforeAll(async () => {
  leafKeys = await generateKeyPair("EC_prime256v1");
});
let files = 0;

/** openssl verify's verdict on a leaf with these names under a root with these constraints. */
async function opensslAccepts(row: Row): Promise<{ ok: boolean; output: string }> {
  const rootKeys = await generateKeyPair("EC_prime256v1");
  const rootPem = await createCertificate(
    certificateInput({
      subject: { commonName: "Constrained Root" },
      publicKeySpki: rootKeys.publicKeySpki,
      signatureAlgorithm: "ECDSA-SHA256",
      issuer: selfSignedBy(rootKeys),
      ca: { maxPathLength: -1 },
      nameConstraints: row.constraints,
    }),
  );
  const leafPem = await createCertificate(
    certificateInput({
      subject: row.commonName ? { commonName: row.commonName } : {},
      publicKeySpki: leafKeys.publicKeySpki,
      signatureAlgorithm: "ECDSA-SHA256",
      issuer: signerInput(rootPem, rootKeys),
      altNames: row.altNames ?? [],
    }),
  );
  const n = ++files;
  const result = opensslVerify(
    scratch.write(`root-${n}.pem`, rootPem),
    scratch.write(`leaf-${n}.pem`, leafPem),
  );
  return { ok: result.code === 0, output: result.stdout + result.stderr };
}

describe("nameConstraintViolations: one constrained CA", () => {
  it.each(rows)("$name", async (row) => {
    const violations = nameConstraintViolations([level("CN=Constrained Root", row.constraints)], {
      commonName: row.commonName,
      altNames: row.altNames ?? [],
    });
    if (row.violation === null) {
      expect(violations).toEqual([]);
    } else {
      expect(violations.map((v) => v.message).join("\n")).toContain(row.violation);
      expect(violations.every((v) => v.message.startsWith(`${v.field}: `))).toBe(true);
      expect(violations[0]?.message).toContain('of CA "CN=Constrained Root"');
    }
    // openssl verify, the independent judge, agrees, except where certq is stricter.
    const openssl = await opensslAccepts(row);
    expect(openssl.ok, openssl.output).toBe(
      row.violation === null || row.stricterThanOpenssl === true,
    );
    if (!openssl.ok) expect(openssl.output).toMatch(/(permitted|excluded) subtree violation/);
  });

  it("names with no constraints anywhere pass", () => {
    expect(nameConstraintViolations([], { altNames: [dns("anything.example")] })).toEqual([]);
  });
});

describe("nameConstraintViolations: a chain", () => {
  const chain = [
    level("CN=Issuing CA", { permitted: { dns: [".a.example.com", "example.org"] } }),
    level("CN=Root", {
      permitted: { dns: ["example.com"] },
      excluded: { dns: ["bad.a.example.com"] },
    }),
  ];
  it.each<[string, string, string[]]>([
    ["inside both", "www.a.example.com", []],
    ["outside the issuing CA's", "www.b.example.com", ['of CA "CN=Issuing CA"']],
    ["inside the issuing CA's, outside the root's", "example.org", ['of CA "CN=Root"']],
    [
      "excluded by the root",
      "x.bad.a.example.com",
      ["inside the excluded dns subtree 'bad.a.example.com' of CA \"CN=Root\""],
    ],
    ["outside both", "example.net", ['of CA "CN=Issuing CA"', 'of CA "CN=Root"']],
  ])("%s: %s", (_name, value, expected) => {
    const messages = nameConstraintViolations(chain, { altNames: [dns(value)] }).map(
      (v) => v.message,
    );
    expect(messages).toHaveLength(expected.length);
    expected.forEach((fragment, i) => {
      expect(messages[i]).toContain(fragment);
    });
  });

  it("openssl verify judges a two-level chain the same way", async () => {
    const rootKeys = await generateKeyPair("EC_prime256v1");
    const rootPem = await createCertificate(
      certificateInput({
        subject: { commonName: "Root" },
        publicKeySpki: rootKeys.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: selfSignedBy(rootKeys),
        ca: { maxPathLength: -1 },
        nameConstraints: {
          permitted: { dns: ["example.com"] },
          excluded: { dns: ["bad.a.example.com"] },
        },
      }),
    );
    const issuingKeys = await generateKeyPair("EC_prime256v1");
    const issuingPem = await createCertificate(
      certificateInput({
        subject: { commonName: "Issuing CA" },
        publicKeySpki: issuingKeys.publicKeySpki,
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: signerInput(rootPem, rootKeys),
        ca: { maxPathLength: 0 },
        nameConstraints: { permitted: { dns: [".a.example.com", "example.org"] } },
      }),
    );
    const rootFile = scratch.write("chain-root.pem", rootPem);
    const issuingFile = scratch.write("chain-issuing.pem", issuingPem);
    for (const [value, ok] of [
      ["www.a.example.com", true],
      ["www.b.example.com", false],
      ["example.org", false],
      ["x.bad.a.example.com", false],
    ] as const) {
      const leafPem = await createCertificate(
        certificateInput({
          subject: {},
          publicKeySpki: leafKeys.publicKeySpki,
          signatureAlgorithm: "ECDSA-SHA256",
          issuer: signerInput(issuingPem, issuingKeys),
          altNames: [dns(value)],
        }),
      );
      const result = opensslVerify(rootFile, scratch.write(`chain-leaf-${++files}.pem`, leafPem), {
        untrusted: issuingFile,
      });
      expect(result.code === 0, `${value}: ${result.stdout}${result.stderr}`).toBe(ok);
      expect(nameConstraintViolations(chain, { altNames: [dns(value)] }).length === 0).toBe(ok);
    }
  });
});

describe("subtrees certq cannot evaluate", () => {
  const withOther = (other: string[]): ConstrainingCa => {
    const constraints = canonicalNameConstraints({ permitted: { dns: ["example.com"] } });
    constraints.excluded.other = other;
    return { ca: "CN=Elsewhere", constraints };
  };

  it("a directoryName subtree stops all issuance under the CA", () => {
    const [violation, ...rest] = nameConstraintViolations([withOther(["directoryName"])], {
      altNames: [dns("www.example.com")],
    });
    expect(rest).toEqual([]);
    expect(violation?.field).toBe("profileId");
    expect(violation?.message).toContain("excluded directoryName");
  });

  it("kinds certq never issues (otherName) cannot be broken", () => {
    expect(
      nameConstraintViolations([withOther(["otherName"])], { altNames: [dns("www.example.com")] }),
    ).toEqual([]);
  });
});

describe("helpers", () => {
  it.each<[string, string, boolean]>([
    ["example.com", "", true],
    ["a.example.com", "example.com", true],
    ["aexample.com", "example.com", false],
    ["example.com", ".example.com", false],
    ["com", "example.com", false],
  ])("dnsInSubtree(%j, %j) is %s", (name, base, expected) => {
    expect(dnsInSubtree(name, base)).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ["a@example.com", "example.com", true],
    ["a@example.com", "a@example.com", true],
    ["a@example.com", "b@example.com", false],
    ["a@x.example.com", ".example.com", true],
    ["no-at-sign", "example.com", false],
  ])("emailInSubtree(%j, %j) is %s", (value, base, expected) => {
    expect(emailInSubtree(value, base)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ["www.example.com", true],
    ["*.example.com", true],
    ["under_score.example.com", true],
    ["localhost", false],
    ["Jane Doe", false],
    ["a..b", false],
    ["-a.b", false],
    ["a-.b", false],
    ["a.b.", false],
  ])("commonNameLooksLikeDns(%j) is %s", (value, expected) => {
    expect(commonNameLooksLikeDns(value)).toBe(expected);
  });

  it("assertNameConstraints throws every violation with its field", () => {
    try {
      assertNameConstraints([level("CN=R", example)], {
        commonName: "x.example.net",
        altNames: [dns("y.example.net")],
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NameConstraintViolationError);
      expect((error as NameConstraintViolationError).violations.map((v) => v.field)).toEqual([
        "altNames.0.value",
        "commonName",
      ]);
    }
  });
});
