import { renewDueCertificates, type ServiceContext } from "@certq/core";
import { openssl, scratchDir } from "@certq/core/testing";
import { certificateRequests, certificates } from "@certq/db";
import { opensslCsr } from "@certq/pki/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CertificateRequestBody,
  createProfile,
  createRootCa,
  submit,
  TEST_POLICY,
  waitForRequest,
} from "../../../test/fixtures";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let root: { id: string; certificate: string };
let profileId: string;

const DAY_MS = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  await h.startWorker(2);
  root = await createRootCa(h, "EC_prime256v1");
  profileId = await createProfile(h, root.id, {
    defaults: { ttl: "30d", extendedKeyUsages: ["server_auth"] },
  });
});
afterAll(async () => {
  await h.close();
  await s.cleanup();
});

async function issue(body: Record<string, unknown>) {
  const res = await submit(h, body);
  const request = await waitForRequest(h, res.body.certificateRequestId);
  expect(request.status, JSON.stringify(request)).toBe("issued");
  return { requestId: res.body.certificateRequestId, ...request } as CertificateRequestBody & {
    requestId: string;
    serialNumber: string;
    certificate: string;
  };
}

function renew(serialNumber: string, token?: string) {
  return h.request<{
    certificateRequestId: string;
    status: string;
    replacesCertificateId: string;
    message: string;
  }>("POST", `/api/v1/pki/certificates/${serialNumber}/renew`, { token, body: {} });
}

async function details(serialNumber: string) {
  const res = await h.request<{ certificate: Record<string, unknown> }>(
    "GET",
    `/api/v1/pki/certificates/${serialNumber}`,
  );
  expect(res.status, res.text).toBe(200);
  return res.body.certificate;
}

async function text(pem: string) {
  const file = await s.write(`cert-${Math.random().toString(36).slice(2)}.pem`, pem);
  return (await openssl(["x509", "-in", file, "-noout", "-text"])).stdout;
}

async function pubkey(pem: string) {
  const file = await s.write(`pub-${Math.random().toString(36).slice(2)}.pem`, pem);
  return (await openssl(["x509", "-in", file, "-noout", "-pubkey"])).stdout;
}

async function verify(pem: string) {
  const leaf = await s.write(`leaf-${Math.random().toString(36).slice(2)}.pem`, pem);
  const ca = await s.write("root.pem", root.certificate);
  const verified = await openssl(["verify", "-CAfile", ca, leaf]);
  expect(verified.code, verified.stdout + verified.stderr).toBe(0);
}

async function requestCount() {
  const [row] = await h.ctx.db.select({ n: sql<number>`count(*)::int` }).from(certificateRequests);
  return row?.n ?? 0;
}

/** The renewal requests stored for a certificate, oldest first. */
async function renewalsOf(serialNumber: string) {
  const [cert] = await h.ctx.db
    .select({ id: certificates.id })
    .from(certificates)
    .where(eq(certificates.serialNumber, serialNumber));
  if (!cert) throw new Error(`no certificate ${serialNumber}`);
  return h.ctx.db
    .select()
    .from(certificateRequests)
    .where(eq(certificateRequests.replacesCertificateId, cert.id))
    .orderBy(certificateRequests.createdAt);
}

describe("POST /api/v1/pki/certificates/{serialNumber}/renew", () => {
  it("issues a new certificate with the same names, usages and lifetime, a new key, and links the two", async () => {
    const first = await issue({
      profileId,
      commonName: "renew.example.test",
      altNames: [{ type: "dns_name", value: "renew.example.test" }],
      ttl: "10d",
    });
    const res = await renew(first.serialNumber);
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get("location")).toContain(res.body.certificateRequestId);
    const renewed = await waitForRequest(h, res.body.certificateRequestId);
    expect(renewed.status, JSON.stringify(renewed)).toBe("issued");
    if (!renewed.certificate || !renewed.serialNumber || !renewed.privateKey) {
      throw new Error("renewal issued without a certificate or key");
    }
    expect(renewed.serialNumber).not.toBe(first.serialNumber);
    await verify(renewed.certificate);

    const [before, after] = [await text(first.certificate), await text(renewed.certificate)];
    for (const t of [before, after]) {
      expect(t).toMatch(/Subject: CN ?= ?renew\.example\.test/);
      expect(t).toContain("DNS:renew.example.test");
      expect(t).toContain("TLS Web Server Authentication");
    }
    // A new key, and the key it came with is the certificate's.
    expect(await pubkey(renewed.certificate)).not.toBe(await pubkey(first.certificate));
    const keyFile = await s.write("renewed.key", renewed.privateKey);
    const fromKey = await openssl(["pkey", "-in", keyFile, "-pubout"]);
    expect(fromKey.stdout).toBe(await pubkey(renewed.certificate));

    const newDetails = await details(renewed.serialNumber);
    const lifetime =
      Date.parse(String(newDetails.notAfter)) - Date.parse(String(newDetails.notBefore));
    expect(Math.abs(lifetime - 10 * DAY_MS)).toBeLessThan(2 * 60_000);
    expect(newDetails.renewedFromSerialNumber).toBe(first.serialNumber);
    expect(newDetails.renewedBySerialNumber).toBeNull();
    const oldDetails = await details(first.serialNumber);
    expect(oldDetails.renewedBySerialNumber).toBe(renewed.serialNumber);
    expect(oldDetails.renewedFromSerialNumber).toBeNull();
    expect(oldDetails.status).toBe("active");
    expect(res.body.replacesCertificateId).toBe(oldDetails.id);
  });

  it("renews a CSR-signed certificate for the same key, from the stored CSR", async () => {
    const csr = opensslCsr(s.file("client.key"), "/CN=csr-renew.example.test", {
      extensions: ["subjectAltName=DNS:csr-renew.example.test"],
    });
    const first = await issue({ profileId, csr, ttl: "2d" });
    const res = await renew(first.serialNumber);
    expect(res.status, res.text).toBe(202);
    const renewed = await waitForRequest(h, res.body.certificateRequestId);
    expect(renewed.status, JSON.stringify(renewed)).toBe("issued");
    expect(renewed.privateKey).toBeNull();
    const fromKey = await openssl(["pkey", "-in", s.file("client.key"), "-pubout"]);
    expect(await pubkey(renewed.certificate ?? "")).toBe(fromKey.stdout);
    await verify(renewed.certificate ?? "");
  });

  it("refuses a second renewal, a revoked certificate, an unknown serial and a token without certificates:issue; nothing is stored", async () => {
    const first = await issue({ profileId, commonName: "twice.example.test", ttl: "5d" });
    const ok = await renew(first.serialNumber);
    expect(ok.status, ok.text).toBe(202);
    const before = await requestCount();

    const again = await renew(first.serialNumber);
    expect(again.status, again.text).toBe(409);
    expect(again.text).toMatch(/already has a renewal/);

    const revoked = await issue({ profileId, commonName: "revoked.example.test", ttl: "5d" });
    const revoke = await h.request(
      "POST",
      `/api/v1/pki/certificates/${revoked.serialNumber}/revoke`,
      { body: { revocationReason: "KEY_COMPROMISE" } },
    );
    expect(revoke.status, revoke.text).toBe(200);
    const afterRevoke = await requestCount();
    const refused = await renew(revoked.serialNumber);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.text).toMatch(/revoked/);

    expect((await renew("abcdef0123456789")).status).toBe(404);
    const reader = await h.token(["certificates:read"]);
    expect((await renew(first.serialNumber, reader)).status).toBe(403);
    expect(await requestCount()).toBe(afterRevoke);
    expect(afterRevoke).toBe(before + 1);
  });

  it("lets a failed renewal be tried again", async () => {
    const first = await issue({ profileId, commonName: "retry.example.test", ttl: "5d" });
    const res = await renew(first.serialNumber);
    expect(res.status, res.text).toBe(202);
    await waitForRequest(h, res.body.certificateRequestId);
    // Stands in for a renewal the worker failed (CA disabled meanwhile, say).
    await h.ctx.db
      .update(certificateRequests)
      .set({ status: "failed", errorMessage: "test" })
      .where(eq(certificateRequests.id, res.body.certificateRequestId));
    await h.ctx.db
      .delete(certificates)
      .where(eq(certificates.requestId, res.body.certificateRequestId));
    const retry = await renew(first.serialNumber);
    expect(retry.status, retry.text).toBe(202);
  });
});

describe("server-driven renewal (enrollment.api.autoRenew)", () => {
  let autoProfileId: string;
  beforeAll(async () => {
    autoProfileId = await createProfile(h, root.id, {
      defaults: { ttl: "4d" },
      enrollment: { api: { autoRenew: true, renewBeforeDays: 1 } },
    });
  });

  const at = (offsetMs: number): ServiceContext => ({
    ...h.ctx,
    now: () => new Date(Date.now() + offsetMs),
  });

  it("renews once renewBeforeDays before expiry, through the queue, once however often the scan runs", async () => {
    const cert = await issue({ profileId: autoProfileId, commonName: "auto.example.test" });
    const manual = await issue({ profileId, commonName: "manual.example.test", ttl: "4d" });

    // Three days from now the 4-day certificate is inside its 1-day window; not before.
    expect((await renewDueCertificates({ ctx: at(2 * DAY_MS), queue: h.queue })).renewed).toBe(0);
    const scan = await renewDueCertificates({ ctx: at(3 * DAY_MS + 60_000), queue: h.queue });
    expect(scan.renewed).toBeGreaterThanOrEqual(1);
    const [renewal, ...more] = await renewalsOf(cert.serialNumber);
    expect(more).toHaveLength(0);
    if (!renewal) throw new Error("no renewal request");
    const again = await renewDueCertificates({ ctx: at(3 * DAY_MS + 60_000), queue: h.queue });
    expect(await renewalsOf(cert.serialNumber)).toHaveLength(1);
    expect(again.renewed).toBe(0);
    // The profile without autoRenew is left alone.
    expect(await renewalsOf(manual.serialNumber)).toHaveLength(0);

    const issued = await waitForRequest(h, renewal.id);
    expect(issued.status, JSON.stringify(issued)).toBe("issued");
    await verify(issued.certificate ?? "");
    expect((await details(issued.serialNumber ?? "")).renewedFromSerialNumber).toBe(
      cert.serialNumber,
    );
  });

  it("renews a certificate shorter than its window at half its lifetime, not at once", async () => {
    const cert = await issue({
      profileId: autoProfileId,
      commonName: "short.example.test",
      ttl: "12h",
    });
    await renewDueCertificates({ ctx: at(5 * 60 * 60 * 1000), queue: h.queue });
    expect(await renewalsOf(cert.serialNumber)).toHaveLength(0);
    await renewDueCertificates({ ctx: at(6 * 60 * 60 * 1000 + 60_000), queue: h.queue });
    expect(await renewalsOf(cert.serialNumber)).toHaveLength(1);
  });

  it("records a renewal the policy now refuses as failed, naming why, and tries again a day later", async () => {
    const strict = await createProfile(h, root.id, {
      defaults: { ttl: "10d" },
      enrollment: { api: { autoRenew: true, renewBeforeDays: 3 } },
    });
    const cert = await issue({ profileId: strict, commonName: "policy.example.test" });
    const patch = await h.request("PATCH", `/api/v1/cert-manager/certificate-profiles/${strict}`, {
      body: { policy: { ...TEST_POLICY, commonName: ["*.other.test"] } },
    });
    expect(patch.status, patch.text).toBe(200);

    const due = 7 * DAY_MS + 60_000;
    const scan = await renewDueCertificates({ ctx: at(due), queue: h.queue });
    expect(scan.refused).toBeGreaterThanOrEqual(1);
    const [failed] = await renewalsOf(cert.serialNumber);
    expect(failed?.status).toBe("failed");
    expect(failed?.errorMessage).toMatch(/automatic renewal refused: .*commonName/);
    if (!failed) throw new Error("no failed renewal");
    // As if the failure were recorded at the scan's (shifted) time.
    await h.ctx.db
      .update(certificateRequests)
      .set({ updatedAt: new Date(Date.now() + due) })
      .where(eq(certificateRequests.id, failed.id));
    await renewDueCertificates({ ctx: at(due), queue: h.queue });
    expect(await renewalsOf(cert.serialNumber)).toHaveLength(1);
    // A day after the failure it is tried again.
    await renewDueCertificates({ ctx: at(due + DAY_MS + 60_000), queue: h.queue });
    expect(await renewalsOf(cert.serialNumber)).toHaveLength(2);
  });

  it("runs from the maintenance worker's schedule", async () => {
    const cert = await issue({ profileId: autoProfileId, commonName: "timer.example.test" });
    // Makes the row due now: the scan reads only the stored dates.
    await h.ctx.db
      .update(certificates)
      .set({
        notBefore: new Date(Date.now() - 3 * DAY_MS),
        notAfter: new Date(Date.now() + 60 * 60 * 1000),
      })
      .where(eq(certificates.serialNumber, cert.serialNumber));
    await h.startMaintenance();
    const [renewal] = await renewalsOf(cert.serialNumber);
    if (!renewal) throw new Error("the maintenance worker did not renew");
    expect((await waitForRequest(h, renewal.id)).status).toBe("issued");
  });
});
