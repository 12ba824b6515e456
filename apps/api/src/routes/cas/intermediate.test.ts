import { readFile } from "node:fs/promises";
import { openssl, scratchDir } from "@certq/core/testing";
import { type OpensslRoot, opensslCsr, opensslRoot } from "@certq/pki/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";

interface CaBody {
  certificateAuthority: { id: string; status: string };
}

const CA_EXTENSIONS = `[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[not_ca]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
`;

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let root: OpensslRoot;
let otherRoot: OpensslRoot;

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  await s.write("ext.cnf", CA_EXTENSIONS);
  root = opensslRoot(s.dir, "root", { subject: "/CN=OpenSSL root", days: 3650 });
  otherRoot = opensslRoot(s.dir, "other-root", { subject: "/CN=OpenSSL other-root", days: 3650 });
});
afterAll(async () => {
  await h.close();
  await s.cleanup();
});

async function signWithOpensslRoot(
  csrFile: string,
  outName: string,
  extensions: "v3_ca" | "not_ca",
) {
  const signed = await openssl([
    "x509",
    "-req",
    "-in",
    csrFile,
    "-CA",
    root.certificateFile,
    "-CAkey",
    root.keyFile,
    "-CAcreateserial",
    "-days",
    "365",
    "-extfile",
    s.file("ext.cnf"),
    "-extensions",
    extensions,
    "-out",
    s.file(outName),
  ]);
  expect(signed.code, signed.stderr).toBe(0);
  return readFile(s.file(outName), "utf8");
}

async function caStatus(id: string) {
  return (await h.request<CaBody>("GET", `/api/v1/pki/ca/${id}`)).body.certificateAuthority.status;
}

describe("intermediate CA signed by an external root", () => {
  it("offers a CSR, refuses bad certificates one by one, then activates on a good import", async () => {
    const created = await h.request<CaBody>("POST", "/api/v1/pki/ca", {
      body: {
        type: "intermediate",
        commonName: "Issuing CA",
        organization: "certq tests",
        keyAlgorithm: "EC_secp384r1",
        maxPathLength: 0,
      },
    });
    expect(created.status, created.text).toBe(200);
    const id = created.body.certificateAuthority.id;
    expect(created.body.certificateAuthority.status).toBe("pending-certificate");

    const csrRes = await h.request<{ csr: string }>("GET", `/api/v1/pki/ca/${id}/csr`);
    expect(csrRes.status, csrRes.text).toBe(200);
    expect(Object.keys(csrRes.body)).toEqual(["csr"]);
    const csrFile = await s.write("inter.csr", csrRes.body.csr);
    const checked = await openssl(["req", "-in", csrFile, "-verify", "-noout", "-text"]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stderr + checked.stdout).toMatch(/verify OK/i);
    expect(checked.stdout).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(checked.stdout).toMatch(/Key Usage: critical\s+[^\n]*Certificate Sign, CRL Sign/);
    expect(checked.stdout).toContain("Subject Key Identifier");

    const rootPem = root.certificatePem;
    const otherRootPem = otherRoot.certificatePem;

    // Wrong key: same subject, another key.
    const wrongCsr = opensslCsr(s.file("wrong.key"), "/CN=Issuing CA/O=certq tests", {
      key: "P-384",
    });
    const wrongKeyCert = await signWithOpensslRoot(
      await s.write("wrong.csr", wrongCsr),
      "wrong.pem",
      "v3_ca",
    );
    const notCaCert = await signWithOpensslRoot(csrFile, "not-ca.pem", "not_ca");
    const goodCert = await signWithOpensslRoot(csrFile, "inter.pem", "v3_ca");

    const bad: [string, { certificate: string; certificateChain: string }, RegExp][] = [
      ["wrong key", { certificate: wrongKeyCert, certificateChain: rootPem }, /public key/i],
      ["not a CA", { certificate: notCaCert, certificateChain: rootPem }, /not a CA certificate/i],
      ["broken chain", { certificate: goodCert, certificateChain: otherRootPem }, /chain/i],
      [
        "garbage",
        {
          certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
          certificateChain: rootPem,
        },
        /certificate/i,
      ],
    ];
    for (const [name, body, message] of bad) {
      const res = await h.request<{ statusCode: number; message: string }>(
        "POST",
        `/api/v1/pki/ca/${id}/import-certificate`,
        { body },
      );
      expect(res.status, `${name}: ${res.text}`).toBe(400);
      expect(res.body.message, name).toMatch(message);
      expect(await caStatus(id), name).toBe("pending-certificate");
    }

    const imported = await h.request<CaBody>("POST", `/api/v1/pki/ca/${id}/import-certificate`, {
      body: { certificate: goodCert, certificateChain: rootPem },
    });
    expect(imported.status, imported.text).toBe(200);
    expect(await caStatus(id)).toBe("active");

    const again = await h.request("POST", `/api/v1/pki/ca/${id}/import-certificate`, {
      body: { certificate: goodCert, certificateChain: rootPem },
    });
    expect(again.status).toBe(400);

    const bundle = await h.request<{ certificate: string; certificateChain: string }>(
      "GET",
      `/api/v1/pki/ca/${id}/certificate`,
    );
    const chainFile = await s.write("chain.pem", bundle.body.certificateChain);
    const leafFile = await s.write("imported.pem", bundle.body.certificate);
    const verify = await openssl(["verify", "-CAfile", chainFile, leafFile]);
    expect(verify.code, verify.stderr).toBe(0);
  });
});

describe("a whole hierarchy with sign-intermediate", () => {
  it("root -> intermediate -> second-level intermediate verifies with openssl", async () => {
    const root = await h.request<CaBody>("POST", "/api/v1/pki/ca", {
      body: {
        type: "root",
        commonName: "Hierarchy Root",
        keyAlgorithm: "RSA_2048",
        maxPathLength: 2,
      },
    });
    const rootId = root.body.certificateAuthority.id;
    const rootPem = (
      await h.request<{ certificate: string }>("GET", `/api/v1/pki/ca/${rootId}/certificate`)
    ).body.certificate;

    let parentId = rootId;
    const pems: string[] = [];
    for (const [level, keyAlgorithm] of [
      [1, "EC_prime256v1"],
      [2, "RSA_3072"],
    ] as const) {
      const inter = await h.request<CaBody>("POST", "/api/v1/pki/ca", {
        body: { type: "intermediate", commonName: `Level ${level}`, keyAlgorithm },
      });
      const interId = inter.body.certificateAuthority.id;
      const { csr } = (await h.request<{ csr: string }>("GET", `/api/v1/pki/ca/${interId}/csr`))
        .body;
      // Each level must end before its parent does.
      const notAfter = new Date(Date.now() + (400 - level * 30) * 86_400_000).toISOString();
      const signed = await h.request<{
        certificate: string;
        certificateChain: string;
        issuingCaCertificate: string;
      }>("POST", `/api/v1/pki/ca/${parentId}/sign-intermediate`, { body: { csr, notAfter } });
      expect(signed.status, signed.text).toBe(200);
      const imported = await h.request<CaBody>(
        "POST",
        `/api/v1/pki/ca/${interId}/import-certificate`,
        {
          body: {
            certificate: signed.body.certificate,
            certificateChain: signed.body.certificateChain,
          },
        },
      );
      expect(imported.status, imported.text).toBe(200);
      pems.push(signed.body.certificate);
      parentId = interId;
    }

    const rootFile = await s.write("h-root.pem", rootPem);
    const untrusted = await s.write("h-l1.pem", pems[0] ?? "");
    const leaf = await s.write("h-l2.pem", pems[1] ?? "");
    const verify = await openssl(["verify", "-CAfile", rootFile, "-untrusted", untrusted, leaf]);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);
    const text = (await openssl(["x509", "-in", leaf, "-noout", "-text"])).stdout;
    expect(text).toMatch(/CA:TRUE, pathlen:0/);

    // pathLen 0 at level 2: it cannot sign another CA.
    const level3 = await h.request<CaBody>("POST", "/api/v1/pki/ca", {
      body: { type: "intermediate", commonName: "Level 3", keyAlgorithm: "EC_prime256v1" },
    });
    const { csr } = (
      await h.request<{ csr: string }>(
        "GET",
        `/api/v1/pki/ca/${level3.body.certificateAuthority.id}/csr`,
      )
    ).body;
    const refused = await h.request<{ message: string }>(
      "POST",
      `/api/v1/pki/ca/${parentId}/sign-intermediate`,
      {
        body: { csr, notAfter: new Date(Date.now() + 86_400_000).toISOString() },
      },
    );
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.message).toMatch(/pathLen 0/);
  });
});
