import { createRedis, MAINTENANCE_QUEUE } from "@certq/core";
import { Job, QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "./fixtures";
import { type ApiResponse, createHarness, type Harness, TEST_REDIS } from "./harness";

interface CertificatePage {
  certificates: { serialNumber: string }[];
  nextCursor: string | null;
}
interface RequestPage {
  certificateRequests: { id: string; status: string }[];
  nextCursor: string | null;
}

import { openssl, scratchDir } from "@certq/core/testing";

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let ca: { id: string; certificate: string };
let rootFile: string;
let profileId: string;
let events: QueueEvents;
let baseUrl: string;

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  await h.startWorker(4);
  await h.startMaintenance();
  ca = await createRootCa(h, "EC_prime256v1", "Lifecycle Root");
  rootFile = await s.write("root.pem", ca.certificate);
  profileId = await createProfile(h, ca.id);
  events = new QueueEvents(MAINTENANCE_QUEUE, {
    connection: createRedis(TEST_REDIS, "worker"),
    prefix: h.queue.opts.prefix,
  });
  await events.waitUntilReady();
  // OCSP is checked by openssl over real HTTP (closed by h.close()).
  baseUrl = (await h.serve()).url;
});
afterAll(async () => {
  await events.close();
  await h.close();
  await s.cleanup();
});

async function issue(commonName: string) {
  const res = await submit(h, { profileId, commonName, keyAlgorithm: "EC_prime256v1" });
  const request = await waitForRequest(h, res.body.certificateRequestId);
  expect(request.status).toBe("issued");
  return {
    serial: request.serialNumber ?? "",
    file: await s.write(`${commonName}.pem`, request.certificate ?? ""),
  };
}

/** Waits for the queued CRL build of our CA (coalesced under one job ID) to finish. */
async function crlBuilt() {
  const job = await Job.fromId(h.maintenance, `crl-${ca.id}`);
  await job?.waitUntilFinished(events, 15_000);
}

async function crlFile(name: string) {
  const res = await h.request("GET", `/api/v1/pki/ca/${ca.id}/crl`, {
    token: null,
    headers: { accept: "application/x-pem-file" },
  });
  expect(res.status, res.text).toBe(200);
  expect(res.text).toMatch(/^-----BEGIN X509 CRL-----/);
  return s.write(name, res.text);
}

const revoke = (serial: string, revocationReason = "KEY_COMPROMISE") =>
  h.request<{ message: string; serialNumber: string; revokedAt: string }>(
    "POST",
    `/api/v1/pki/certificates/${serial}/revoke`,
    { body: { revocationReason } },
  );

describe("revocation, CRL and OCSP", () => {
  it("issued certificates point at the CRL, the CA certificate and OCSP; the CA certificate is public DER there", async () => {
    const leaf = await issue("points.example.test");
    const text = (await openssl(["x509", "-in", leaf.file, "-noout", "-text"])).stdout;
    expect(text).toContain(`URI:http://certq.test:8080/api/v1/pki/ca/${ca.id}/crl`);
    expect(text).toContain(
      `CA Issuers - URI:http://certq.test:8080/api/v1/pki/ca/${ca.id}/certificate/der`,
    );
    expect(text).toContain("OCSP - URI:http://certq.test:8080/ocsp");
    const der = await h.request("GET", `/api/v1/pki/ca/${ca.id}/certificate/der`, { token: null });
    expect(der.status).toBe(200);
    expect(der.headers.get("content-type")).toBe("application/pkix-cert");
    const crl = await h.request("GET", `/api/v1/pki/ca/${ca.id}/crl`, { token: null });
    expect(crl.headers.get("content-type")).toBe("application/pkix-crl");
  });

  it("openssl accepts a good certificate against the CRL, and rejects it once revoked; revoking twice is a 400", async () => {
    const leaf = await issue("revoke-me.example.test");
    const before = await openssl([
      "verify",
      "-crl_check",
      "-CRLfile",
      await crlFile("crl-before.pem"),
      "-CAfile",
      rootFile,
      leaf.file,
    ]);
    expect(before.code, before.stderr + before.stdout).toBe(0);

    const revoked = await revoke(leaf.serial);
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body).toEqual({
      message: expect.any(String),
      serialNumber: leaf.serial,
      revokedAt: expect.any(String),
    });
    const again = await revoke(leaf.serial);
    expect(again.status, again.text).toBe(400);
    const badReason = await revoke(leaf.serial, "BECAUSE");
    expect(badReason.status).toBe(422);

    await crlBuilt();
    const crl = await crlFile("crl-after.pem");
    const crlCheck = await openssl(["crl", "-in", crl, "-CAfile", rootFile, "-noout", "-text"]);
    expect(crlCheck.stderr + crlCheck.stdout).toMatch(/verify OK/);
    expect(crlCheck.stdout.toUpperCase()).toContain(leaf.serial.toUpperCase());
    expect(crlCheck.stdout).toContain("Key Compromise");
    const after = await openssl([
      "verify",
      "-crl_check",
      "-CRLfile",
      crl,
      "-CAfile",
      rootFile,
      leaf.file,
    ]);
    expect(after.code).not.toBe(0);
    expect(after.stderr + after.stdout).toMatch(/certificate revoked/);
  });

  it("50 revocations in a burst produce a CRL that lists all 50, built a handful of times at most", async () => {
    const leaves = await Promise.all(
      Array.from({ length: 50 }, (_, i) => issue(`burst-${i}.example.test`)),
    );
    const builds = () =>
      h.logs.filter((l) => l.includes('"msg":"CRL built"') && l.includes(ca.id)).length;
    const buildsBefore = builds();
    const results = await Promise.all(leaves.map((l) => revoke(l.serial, "SUPERSEDED")));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    await crlBuilt();
    const text = (
      await openssl(["crl", "-in", await crlFile("crl-burst.pem"), "-noout", "-text"])
    ).stdout.toUpperCase();
    for (const leaf of leaves) expect(text).toContain(leaf.serial.toUpperCase());
    expect(builds() - buildsBefore).toBeLessThanOrEqual(3);
  });

  it("OCSP over HTTP: good, then revoked after revocation; an unknown serial is unknown", async () => {
    const leaf = await issue("ocsp.example.test");
    const ask = (args: string[]) =>
      openssl([
        "ocsp",
        "-issuer",
        rootFile,
        "-CAfile",
        rootFile,
        "-url",
        `${baseUrl}/ocsp`,
        ...args,
      ]);
    const good = await ask(["-cert", leaf.file]);
    expect(good.stdout + good.stderr).toMatch(/Response verify OK/);
    expect(good.stdout).toMatch(/: good/);

    expect((await revoke(leaf.serial, "CESSATION_OF_OPERATION")).status).toBe(200);
    const revoked = await ask(["-cert", leaf.file]);
    expect(revoked.stdout).toMatch(/: revoked/);
    expect(revoked.stdout).toMatch(/Revocation Time/);
    expect(revoked.stdout).toMatch(/Reason: cessationOfOperation/);

    const unknown = await ask(["-serial", "0x0123456789abcdef"]);
    expect(unknown.stdout + unknown.stderr).toMatch(/Response verify OK/);
    expect(unknown.stdout).toMatch(/: unknown/);

    const garbage = await fetch(`${baseUrl}/ocsp`, {
      method: "POST",
      headers: { "content-type": "application/ocsp-request" },
      body: "nonsense",
    });
    expect(garbage.status).toBe(200);
    expect(garbage.headers.get("content-type")).toBe("application/ocsp-response");
  });
});

describe("listing", () => {
  it("filters certificates and walks every row exactly once with cursors", async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const query: URLSearchParams = new URLSearchParams({
        limit: "7",
        caId: ca.id,
        ...(cursor ? { cursor } : {}),
      });
      const page: ApiResponse<CertificatePage> = await h.request<CertificatePage>(
        "GET",
        `/api/v1/pki/certificates?${query}`,
      );
      expect(page.status, page.text).toBe(200);
      all.push(...page.body.certificates.map((c) => c.serialNumber));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    // Issued in this file: points, revoke-me, 50 in the burst, ocsp.
    expect(all.length).toBe(53);

    const revoked = await h.request<{ certificates: { status: string }[] }>(
      "GET",
      "/api/v1/pki/certificates?status=revoked&limit=500",
    );
    expect(revoked.body.certificates.length).toBe(52);
    expect(revoked.body.certificates.every((c) => c.status === "revoked")).toBe(true);
    const byName = await h.request<{ certificates: { commonName: string }[] }>(
      "GET",
      "/api/v1/pki/certificates?commonName=burst-1*",
    );
    expect(byName.body.certificates.map((c) => c.commonName).sort()).toEqual(
      [
        "burst-1.example.test",
        ...Array.from({ length: 10 }, (_, i) => `burst-1${i}.example.test`),
      ].sort(),
    );
    const names = async (commonName: string) =>
      (
        await h.request<{ certificates: { commonName: string }[] }>(
          "GET",
          `/api/v1/pki/certificates?commonName=${encodeURIComponent(commonName)}`,
        )
      ).body.certificates.map((c) => c.commonName);
    // A prefix matches in any case; an exact name only as written; % and _ are literal.
    expect((await names("BURST-1*")).sort()).toEqual(
      byName.body.certificates.map((c) => c.commonName).sort(),
    );
    expect(await names("burst-12.example.test")).toEqual(["burst-12.example.test"]);
    expect(await names("Burst-12.example.test")).toEqual([]);
    expect(await names("burst_1*")).toEqual([]);
    expect(await names("burst%*")).toEqual([]);
    const soon = await h.request<{ certificates: unknown[] }>(
      "GET",
      `/api/v1/pki/certificates?expiresBefore=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`,
    );
    expect(soon.body.certificates).toEqual([]);
    const bad = await h.request("GET", "/api/v1/pki/certificates?cursor=garbage");
    expect(bad.status).toBe(400);
  });

  it("request pagination under concurrent inserts sees every earlier row exactly once", async () => {
    const existing = new Set<string>();
    let cursor: string | null = null;
    const first = await h.request<{ certificateRequests: { id: string }[] }>(
      "GET",
      "/api/v1/cert-manager/certificates/certificate-requests?limit=500",
    );
    for (const r of first.body.certificateRequests) existing.add(r.id);
    const seen: string[] = [];
    let round = 0;
    do {
      const query: URLSearchParams = new URLSearchParams({
        limit: "5",
        ...(cursor ? { cursor } : {}),
      });
      const page: ApiResponse<RequestPage> = await h.request<RequestPage>(
        "GET",
        `/api/v1/cert-manager/certificates/certificate-requests?${query}`,
      );
      seen.push(...page.body.certificateRequests.map((r) => r.id));
      cursor = page.body.nextCursor;
      // New requests land while the walk goes on.
      if (round++ < 5) await submit(h, { profileId, commonName: `during-${round}.example.test` });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of existing) expect(seen).toContain(id);
    const failed = await h.request<{ certificateRequests: unknown[] }>(
      "GET",
      "/api/v1/cert-manager/certificates/certificate-requests?status=failed",
    );
    expect(failed.status).toBe(200);
  });
});
