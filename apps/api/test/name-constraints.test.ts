import { openssl, scratchDir } from "@certq/core/testing";
import { certificateAuthorities } from "@certq/db";
import { createCertificate, generateKeyPair, generateSerialNumber } from "@certq/pki";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

interface CaView {
  id: string;
  status: string;
  nameConstraints: {
    critical: boolean;
    permitted: Record<string, string[]>;
    excluded: Record<string, string[]>;
  } | null;
}
interface CaBody {
  certificateAuthority: CaView;
}
interface Issue {
  field: string;
  message: string;
  code: string;
}

const ROOT_CONSTRAINTS = {
  permitted: { dns: ["example.test"], ip: ["127.0.0.0/8"], email: ["example.test"] },
  excluded: { dns: ["bad.example.test"] },
};

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let rootId: string;
let rootPem: string;
let rootFile: string;
let profileId: string;
/** Under the constrained root, a profile that allows any three-label common name. */
let cnProfileId: string;
/** A request accepted under an unconstrained CA, then pointed at the constrained one. */
let smuggledRequestId: string;

async function rowCounts() {
  const rows = await h.db.db.execute(sql`
    select (select count(*) from certificate_authorities) as cas,
           (select count(*) from certificate_requests) as requests,
           (select count(*) from certificates) as certificates`);
  return rows[0];
}

async function createCa(body: Record<string, unknown>) {
  return h.request<CaBody>("POST", "/api/v1/pki/ca", { body });
}

async function caCertificate(id: string) {
  const res = await h.request<{ certificate: string }>("GET", `/api/v1/pki/ca/${id}/certificate`);
  expect(res.status, res.text).toBe(200);
  return res.body.certificate;
}

let leaves = 0;
async function verify(leafPem: string, options: { untrusted?: string } = {}) {
  const leafFile = await s.write(`leaf-${++leaves}.pem`, leafPem);
  return openssl([
    "verify",
    "-CAfile",
    rootFile,
    ...(options.untrusted
      ? ["-untrusted", await s.write(`chain-${leaves}.pem`, options.untrusted)]
      : []),
    leafFile,
  ]);
}

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  const created = await createCa({
    type: "root",
    commonName: "Constrained Root",
    keyAlgorithm: "EC_prime256v1",
    nameConstraints: ROOT_CONSTRAINTS,
  });
  expect(created.status, created.text).toBe(200);
  rootId = created.body.certificateAuthority.id;
  rootPem = await caCertificate(rootId);
  rootFile = await s.write("root.pem", rootPem);
  profileId = await createProfile(h, rootId);
  cnProfileId = await createProfile(h, rootId, { policy: { commonName: ["*.*.*"] } });

  // The worker must refuse on its own: a request the API accepted under a free CA, whose CA
  // is then swapped for the constrained one before any worker runs.
  const free = await createRootCa(h, "EC_prime256v1", "Free Root");
  const accepted = await submit(h, {
    profileId: await createProfile(h, free.id),
    commonName: "worker.example.test",
    altNames: [{ type: "dns_name", value: "bad.example.test" }],
  });
  smuggledRequestId = accepted.body.certificateRequestId;
  await h.db.db.execute(
    sql`update certificate_requests set ca_id = ${rootId} where id = ${smuggledRequestId}`,
  );
  await h.startWorker();
});
afterAll(async () => {
  await h.close();
  await s.cleanup();
});

describe("a root CA with name constraints", () => {
  it("carries them critical in its certificate, and its view shows them", async () => {
    const text = await openssl(["x509", "-noout", "-text", "-in", rootFile]);
    expect(text.stdout).toMatch(
      /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:example\.test\s+IP:127\.0\.0\.0\/255\.0\.0\.0\s+email:example\.test\s+Excluded:\s+DNS:bad\.example\.test/,
    );
    const view = await h.request<CaBody>("GET", `/api/v1/pki/ca/${rootId}`);
    expect(view.body.certificateAuthority.nameConstraints).toEqual({
      critical: true,
      permitted: { ...ROOT_CONSTRAINTS.permitted, uri: [], other: [] },
      excluded: { dns: ["bad.example.test"], ip: [], email: [], uri: [], other: [] },
    });
    const free = await createRootCa(h, "EC_prime256v1", "Another Free Root");
    const freeView = await h.request<CaBody>("GET", `/api/v1/pki/ca/${free.id}`);
    expect(freeView.body.certificateAuthority.nameConstraints).toBeNull();
  });

  it("issues a leaf inside them, and openssl verify accepts it", async () => {
    const res = await submit(h, {
      profileId,
      commonName: "www.example.test",
      altNames: [
        { type: "dns_name", value: "www.example.test" },
        { type: "ip_address", value: "127.0.0.1" },
        { type: "email", value: "ops@example.test" },
      ],
    });
    const done = await waitForRequest(h, res.body.certificateRequestId);
    expect(done.status, done.errorMessage ?? "").toBe("issued");
    const verified = await verify(done.certificate as string);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "a DNS name outside",
      { altNames: [{ type: "dns_name", value: "localhost" }] },
      "altNames.0.value",
      /dns_name 'localhost' is outside the permitted dns subtrees \[example\.test\] of CA "CN=Constrained Root"/,
    ],
    [
      "an excluded DNS name",
      {
        altNames: [
          { type: "dns_name", value: "a.example.test" },
          { type: "dns_name", value: "bad.example.test" },
        ],
      },
      "altNames.1.value",
      /dns_name 'bad\.example\.test' is inside the excluded dns subtree 'bad\.example\.test'/,
    ],
    [
      "an IPv6 address under IPv4-only subtrees",
      { commonName: "www.example.test", altNames: [{ type: "ip_address", value: "::1" }] },
      "altNames.0.value",
      /ip_address '::1' is outside the permitted ip subtrees \[127\.0\.0\.0\/8\]/,
    ],
    [
      "a URI name",
      {
        commonName: "www.example.test",
        altNames: [{ type: "uri", value: "spiffe://example.test/x" }],
      },
      "altNames.0.value",
      /uri 'spiffe:\/\/example\.test\/x' is not allowed under the name constraints/,
    ],
    [
      "a DNS-like common name outside",
      { commonName: "localhost.localdomain.example" },
      "commonName",
      /commonName: dns_name 'localhost\.localdomain\.example' is outside/,
    ],
  ])(
    "refuses %s with a 422 naming the field, storing nothing",
    async (_name, names, field, message) => {
      const before = await rowCounts();
      const res = await h.request<{ message: Issue[] }>(
        "POST",
        "/api/v1/cert-manager/certificates",
        {
          body: { profileId: field === "commonName" ? cnProfileId : profileId, ...names },
        },
      );
      expect(res.status, res.text).toBe(422);
      const issue = res.body.message.find((i) => i.field === field);
      expect(issue, res.text).toBeDefined();
      expect(issue?.code).toBe("name_constraint");
      expect(issue?.message).toMatch(message);
      expect(await rowCounts()).toEqual(before);
    },
  );

  it("the worker refuses too: a permanent failure with the reason", async () => {
    const done = await waitForRequest(h, smuggledRequestId);
    expect(done.status).toBe("failed");
    expect(done.errorMessage).toMatch(
      /altNames\.0\.value: dns_name 'bad\.example\.test' is inside the excluded dns subtree 'bad\.example\.test' of CA "CN=Constrained Root"/,
    );
  });

  it("openssl verify rejects leaves that break them, signed with the root's key behind our policy's back", async () => {
    const [row] = await h.ctx.db
      .select()
      .from(certificateAuthorities)
      .where(eq(certificateAuthorities.id, rootId));
    const { signer } = h.ctx.signers.get(row as NonNullable<typeof row>);
    const keys = await generateKeyPair("EC_prime256v1");
    const now = Date.now();
    const leaf = (value: string) =>
      createCertificate({
        subject: {},
        publicKeySpki: keys.publicKeySpki,
        serialNumber: generateSerialNumber(),
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 86_400_000),
        signatureAlgorithm: "ECDSA-SHA256",
        issuer: signer,
        altNames: [{ type: "dns_name", value }],
      });
    const outside = await verify(await leaf("www.example.net"));
    expect(outside.code).not.toBe(0);
    expect(outside.stdout + outside.stderr).toMatch(/permitted subtree violation/);
    const excluded = await verify(await leaf("x.bad.example.test"));
    expect(excluded.code).not.toBe(0);
    expect(excluded.stdout + excluded.stderr).toMatch(/excluded subtree violation/);
    const inside = await verify(await leaf("ok.example.test"));
    expect(inside.code, inside.stdout + inside.stderr).toBe(0);
  });
});

describe("bad nameConstraints are refused with a 422 naming the field", () => {
  it.each<[string, unknown, string]>([
    [
      "a wildcard DNS name",
      { permitted: { dns: ["example.com", "*.example.com"] } },
      "nameConstraints.permitted.dns.1",
    ],
    ["host bits in a CIDR", { excluded: { ip: ["10.0.0.1/8"] } }, "nameConstraints.excluded.ip.0"],
    [
      "an address without a prefix",
      { permitted: { ip: ["10.0.0.0"] } },
      "nameConstraints.permitted.ip.0",
    ],
    [
      "an email with an empty local part",
      { permitted: { email: ["@example.com"] } },
      "nameConstraints.permitted.email.0",
    ],
    [
      "an unknown name type",
      { permitted: { uri: ["https://example.com"] } },
      "nameConstraints.permitted.uri",
    ],
    ["no subtree at all", { permitted: {} }, "nameConstraints"],
    ["not a list", { permitted: { dns: "example.com" } }, "nameConstraints.permitted.dns"],
  ])("%s", async (_name, nameConstraints, field) => {
    const before = await rowCounts();
    const res = await h.request<{ message: Issue[] }>("POST", "/api/v1/pki/ca", {
      body: { type: "root", commonName: "Bad", keyAlgorithm: "EC_prime256v1", nameConstraints },
    });
    expect(res.status, res.text).toBe(422);
    expect(
      res.body.message.flatMap((i) => i.field.split(", ")),
      res.text,
    ).toContain(field);
    expect(await rowCounts()).toEqual(before);
  });
});

describe("an intermediate with name constraints", () => {
  const INTERMEDIATE_CONSTRAINTS = { permitted: { dns: [".a.example.test"] } };

  async function createIntermediate(commonName: string) {
    const created = await createCa({
      type: "intermediate",
      commonName,
      keyAlgorithm: "EC_prime256v1",
      nameConstraints: INTERMEDIATE_CONSTRAINTS,
    });
    expect(created.status, created.text).toBe(200);
    const id = created.body.certificateAuthority.id;
    const csr = await h.request<{ csr: string }>("GET", `/api/v1/pki/ca/${id}/csr`);
    return { view: created.body.certificateAuthority, id, csr: csr.body.csr };
  }

  async function sign(body: Record<string, unknown>) {
    return h.request<{ certificate: string; certificateChain: string; message?: Issue[] }>(
      "POST",
      `/api/v1/pki/ca/${rootId}/sign-intermediate`,
      { body: { notAfter: new Date(Date.now() + 365 * 86_400_000).toISOString(), ...body } },
    );
  }

  it("is signed with the constraints it was created with, and its leaves verify with openssl", async () => {
    const { view, id, csr } = await createIntermediate("Issuing CA A");
    expect(view.status).toBe("pending-certificate");
    expect(view.nameConstraints?.permitted.dns).toEqual([".a.example.test"]);

    const signed = await sign({ csr });
    expect(signed.status, signed.text).toBe(200);
    const text = await openssl([
      "x509",
      "-noout",
      "-text",
      "-in",
      await s.write("int-a.pem", signed.body.certificate),
    ]);
    expect(text.stdout).toMatch(
      /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:\.a\.example\.test/,
    );
    const imported = await h.request<CaBody>("POST", `/api/v1/pki/ca/${id}/import-certificate`, {
      body: {
        certificate: signed.body.certificate,
        certificateChain: signed.body.certificateChain,
      },
    });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.certificateAuthority.nameConstraints?.permitted.dns).toEqual([
      ".a.example.test",
    ]);

    const intermediateProfile = await createProfile(h, id, {
      policy: {
        commonName: ["*.*.example.test"],
        altNames: { dns_name: ["*.*.example.test", "*.example.test"] },
      },
    });
    const res = await submit(h, {
      profileId: intermediateProfile,
      altNames: [{ type: "dns_name", value: "www.a.example.test" }],
    });
    const done = await waitForRequest(h, res.body.certificateRequestId);
    expect(done.status, done.errorMessage ?? "").toBe("issued");
    const verified = await verify(done.certificate as string, {
      untrusted: signed.body.certificate,
    });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    // Inside the root's subtree, outside the intermediate's: refused, naming the intermediate.
    const refused = await h.request<{ message: Issue[] }>(
      "POST",
      "/api/v1/cert-manager/certificates",
      {
        body: {
          profileId: intermediateProfile,
          altNames: [{ type: "dns_name", value: "www.example.test" }],
        },
      },
    );
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.message[0]?.message).toMatch(
      /altNames\.0\.value: dns_name 'www\.example\.test' is outside the permitted dns subtrees \[\.a\.example\.test\] of CA "CN=Issuing CA A"/,
    );
  });

  it("sign-intermediate's body wins; import then refuses a certificate without the requested ones", async () => {
    const { id, csr } = await createIntermediate("Issuing CA B");
    const signed = await sign({ csr, nameConstraints: { permitted: { dns: ["b.example.test"] } } });
    expect(signed.status, signed.text).toBe(200);
    const text = await openssl([
      "x509",
      "-noout",
      "-text",
      "-in",
      await s.write("int-b.pem", signed.body.certificate),
    ]);
    expect(text.stdout).toMatch(/Permitted:\s+DNS:b\.example\.test\s/);

    const before = await rowCounts();
    const imported = await h.request("POST", `/api/v1/pki/ca/${id}/import-certificate`, {
      body: {
        certificate: signed.body.certificate,
        certificateChain: signed.body.certificateChain,
      },
    });
    expect(imported.status, imported.text).toBe(400);
    expect(imported.text).toMatch(/does not carry the nameConstraints this CA was created with/);
    expect(await rowCounts()).toEqual(before);

    // null: no constraints at all, whatever the intermediate asked for.
    const unconstrained = await sign({ csr, nameConstraints: null });
    expect(unconstrained.status, unconstrained.text).toBe(200);
    const plain = await openssl([
      "x509",
      "-noout",
      "-text",
      "-in",
      await s.write("int-b2.pem", unconstrained.body.certificate),
    ]);
    expect(plain.stdout).not.toContain("Name Constraints");
  });

  it("sign-intermediate refuses bad constraints with a 422 naming the field", async () => {
    const { csr } = await createIntermediate("Issuing CA C");
    const res = await sign({ csr, nameConstraints: { excluded: { email: ["a@b@c"] } } });
    expect(res.status, res.text).toBe(422);
    expect(res.body.message?.map((i) => i.field)).toContain("nameConstraints.excluded.email.0");
  });
});
