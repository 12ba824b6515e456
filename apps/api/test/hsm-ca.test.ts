import { createPrivateKey, createPublicKey } from "node:crypto";
import { createRedis, type HsmToken, MAINTENANCE_QUEUE, openHsmToken } from "@certq/core";
import { createSoftHsmToken, openssl, type SoftHsmToken, scratchDir } from "@certq/core/testing";
import { certificateAuthorities, certificates } from "@certq/db";
import { KEY_ALGORITHMS, openPrivateKey, parseCertificate } from "@certq/pki";
import { Job, QueueEvents } from "bullmq";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, submit, waitForRequest } from "./fixtures";
import { createHarness, type Harness, TEST_REDIS } from "./harness";

interface CaBody {
  certificateAuthority: { id: string; status: string; keyStorage: string; keyAlgorithm: string };
}

let token: SoftHsmToken;
let hsm: HsmToken;
let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let events: QueueEvents;
let baseUrl: string;
let root: { id: string; file: string };
let issuing: { id: string; file: string; chainFile: string };
let profileId: string;

beforeAll(async () => {
  token = await createSoftHsmToken();
  hsm = await openHsmToken(token.options);
  h = await createHarness({ hsm });
  s = await scratchDir();
  await h.startWorker(4);
  await h.startMaintenance();
  events = new QueueEvents(MAINTENANCE_QUEUE, {
    connection: createRedis(TEST_REDIS, "worker"),
    prefix: h.queue.opts.prefix,
  });
  await events.waitUntilReady();
  baseUrl = (await h.serve()).url;
});
afterAll(async () => {
  await events?.close();
  await h?.close();
  hsm?.close();
  await s?.cleanup();
  await token?.cleanup();
});

async function createCa(body: Record<string, unknown>) {
  const res = await h.request<CaBody>("POST", "/api/v1/pki/ca", { body });
  expect(res.status, res.text).toBe(200);
  return res.body.certificateAuthority;
}

describe("CAs whose keys live in a PKCS#11 token (SoftHSM2)", () => {
  it("creates an HSM root and an HSM intermediate (its CSR signed in the token), signed by the root", async () => {
    const rootCa = await createCa({
      type: "root",
      commonName: "HSM Root",
      keyAlgorithm: "RSA_3072",
      keyStorage: "hsm",
    });
    expect(rootCa).toMatchObject({ status: "active", keyStorage: "hsm" });
    const rootPem = (
      await h.request<{ certificate: string }>("GET", `/api/v1/pki/ca/${rootCa.id}/certificate`)
    ).body.certificate;
    root = { id: rootCa.id, file: await s.write("root.pem", rootPem) };
    const selfCheck = await openssl(["verify", "-CAfile", root.file, root.file]);
    expect(selfCheck.code, selfCheck.stderr).toBe(0);

    const intermediate = await createCa({
      type: "intermediate",
      commonName: "HSM Issuing CA",
      keyAlgorithm: "EC_secp384r1",
      maxPathLength: 0,
      keyStorage: "hsm",
    });
    expect(intermediate).toMatchObject({ status: "pending-certificate", keyStorage: "hsm" });
    const csr = await h.request<{ csr: string }>("GET", `/api/v1/pki/ca/${intermediate.id}/csr`);
    expect(csr.status, csr.text).toBe(200);
    const csrCheck = await openssl([
      "req",
      "-verify",
      "-noout",
      "-in",
      await s.write("int.csr", csr.body.csr),
    ]);
    expect(csrCheck.code, csrCheck.stderr).toBe(0);

    const signed = await h.request<{ certificate: string; certificateChain: string }>(
      "POST",
      `/api/v1/pki/ca/${root.id}/sign-intermediate`,
      {
        body: {
          csr: csr.body.csr,
          notAfter: new Date(Date.now() + 365 * 86_400_000).toISOString(),
          maxPathLength: 0,
        },
      },
    );
    expect(signed.status, signed.text).toBe(200);
    const imported = await h.request<CaBody>(
      "POST",
      `/api/v1/pki/ca/${intermediate.id}/import-certificate`,
      {
        body: {
          certificate: signed.body.certificate,
          certificateChain: signed.body.certificateChain,
        },
      },
    );
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.certificateAuthority.status).toBe("active");
    const file = await s.write("int.pem", signed.body.certificate);
    const check = await openssl(["verify", "-CAfile", root.file, file]);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    issuing = {
      id: intermediate.id,
      file,
      chainFile: await s.write("chain.pem", `${signed.body.certificate}${rootPem}`),
    };
    profileId = await createProfile(h, issuing.id);
  });

  it("the intermediate issues leaves of all six key algorithms through the queue, each verified by openssl", async () => {
    const submitted = await Promise.all(
      KEY_ALGORITHMS.flatMap((keyAlgorithm) =>
        Array.from({ length: keyAlgorithm === "RSA_4096" ? 1 : 2 }, (_, i) =>
          submit(h, {
            profileId,
            commonName: `${keyAlgorithm.toLowerCase().replaceAll("_", "-")}-${i}.example.test`,
            keyAlgorithm,
          }).then((res) => ({ keyAlgorithm, id: res.body.certificateRequestId })),
        ),
      ),
    );
    for (const { keyAlgorithm, id } of submitted) {
      const request = await waitForRequest(h, id);
      expect(request.status, request.errorMessage ?? "").toBe("issued");
      const leaf = await s.write(`${id}.pem`, request.certificate ?? "");
      const verified = await openssl([
        "verify",
        "-CAfile",
        root.file,
        "-untrusted",
        issuing.file,
        leaf,
      ]);
      expect(verified.code, `${keyAlgorithm}: ${verified.stderr}${verified.stdout}`).toBe(0);
      const info = parseCertificate(request.certificate ?? "");
      expect(info.keyAlgorithm).toBe(keyAlgorithm);
    }
  });

  it("revocation: the HSM-signed CRL and OCSP responses say so, and openssl checks both", async () => {
    const res = await submit(h, {
      profileId,
      commonName: "revoked.example.test",
      keyAlgorithm: "EC_prime256v1",
    });
    const request = await waitForRequest(h, res.body.certificateRequestId);
    expect(request.status).toBe("issued");
    const leaf = await s.write("revoked.pem", request.certificate ?? "");
    const ocsp = () =>
      openssl([
        "ocsp",
        "-issuer",
        issuing.file,
        "-CAfile",
        issuing.chainFile,
        "-url",
        `${baseUrl}/ocsp`,
        "-cert",
        leaf,
      ]);
    const good = await ocsp();
    expect(good.stdout + good.stderr).toMatch(/Response verify OK/);
    expect(good.stdout).toMatch(/: good/);

    const revoked = await h.request(
      "POST",
      `/api/v1/pki/certificates/${request.serialNumber}/revoke`,
      {
        body: { revocationReason: "KEY_COMPROMISE" },
      },
    );
    expect(revoked.status, revoked.text).toBe(200);
    const job = await Job.fromId(h.maintenance, `crl-${issuing.id}`);
    await job?.waitUntilFinished(events, 30_000);
    const crl = await h.request("GET", `/api/v1/pki/ca/${issuing.id}/crl`, {
      token: null,
      headers: { accept: "application/x-pem-file" },
    });
    expect(crl.status, crl.text).toBe(200);
    const crlFile = await s.write("int.crl", crl.text);
    const crlCheck = await openssl([
      "crl",
      "-in",
      crlFile,
      "-CAfile",
      issuing.chainFile,
      "-noout",
      "-text",
    ]);
    expect(crlCheck.stderr + crlCheck.stdout).toMatch(/verify OK/);
    const verified = await openssl([
      "verify",
      "-crl_check",
      "-CRLfile",
      crlFile,
      "-CAfile",
      root.file,
      "-untrusted",
      issuing.file,
      leaf,
    ]);
    expect(verified.code).not.toBe(0);
    expect(verified.stderr + verified.stdout).toMatch(/certificate revoked/);

    const after = await ocsp();
    expect(after.stdout + after.stderr).toMatch(/Response verify OK/);
    expect(after.stdout).toMatch(/: revoked/);
  });

  it("no key bytes of either HSM CA exist in Postgres: every sealed key in the database is a leaf's", async () => {
    const cas = await h.db.db.select().from(certificateAuthorities);
    for (const id of [root.id, issuing.id]) {
      const row = cas.find((ca) => ca.id === id);
      expect(row).toMatchObject({ keyStorage: "hsm", encryptedPrivateKey: null });
      expect(row?.hsmKeyId).toMatch(/^[0-9a-f]{32}$/);
    }
    // Every bytea value in every table, wherever it is: only leaf keys (sealed) and CRLs.
    const columns = await h.db.db.execute<{ table_name: string; column_name: string }>(sql`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and data_type = 'bytea'`);
    const leafRows = await h.db.db.select().from(certificates);
    const caSpkis = cas.map((ca) =>
      createPublicKey(ca.certificate ?? "").export({ type: "spki", format: "der" }),
    );
    let sealedKeys = 0;
    for (const { table_name, column_name } of columns) {
      const values = await h.db.db.execute<{ value: Buffer | null }>(
        sql`select ${sql.identifier(column_name)} as value from ${sql.identifier(table_name)}`,
      );
      for (const { value } of values) {
        if (value === null) continue;
        expect(`${table_name}.${column_name}`).toMatch(
          /^(certificates\.encrypted_private_key|certificate_revocation_lists\.der)$/,
        );
        if (table_name !== "certificates") continue;
        const leaf = leafRows.find((row) => row.encryptedPrivateKey?.equals(value));
        if (!leaf) throw new Error("a sealed key belongs to no certificate");
        const pkcs8 = openPrivateKey({
          kek: h.ctx.kek,
          sealed: value,
          aad: `certificate:${leaf.id}`,
        });
        const publicKey = createPublicKey(
          createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }),
        ).export({
          type: "spki",
          format: "der",
        });
        for (const caSpki of caSpkis) expect(publicKey.equals(caSpki)).toBe(false);
        sealedKeys += 1;
      }
    }
    expect(leafRows.length).toBeGreaterThanOrEqual(12);
    expect(sealedKeys).toBe(leafRows.length);
  });

  it("a CA key storage the deployment cannot serve is a 400 or 422 naming the field, and changes nothing", async () => {
    const before = (await h.db.db.select().from(certificateAuthorities)).length;
    const bad = await h.request<{ message: unknown }>("POST", "/api/v1/pki/ca", {
      body: { type: "root", commonName: "Nowhere", keyStorage: "smartcard" },
    });
    expect(bad.status, bad.text).toBe(422);
    expect(bad.text).toContain("keyStorage");

    const noHsm = await createHarness();
    try {
      const res = await noHsm.request("POST", "/api/v1/pki/ca", {
        body: {
          type: "root",
          commonName: "No token",
          keyAlgorithm: "EC_prime256v1",
          keyStorage: "hsm",
        },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.text).toContain("keyStorage");
      expect(res.text).toContain("CERTQ_PKCS11_MODULE");
      expect(await noHsm.db.db.select().from(certificateAuthorities)).toHaveLength(0);
    } finally {
      await noHsm.close();
    }
    expect(await h.db.db.select().from(certificateAuthorities)).toHaveLength(before);
  });
});
