import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateRequestBody } from "./fixtures";
import { createProfile, createRootCa, submit } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  profileId = await createProfile(h, (await createRootCa(h, "EC_prime256v1")).id);
});
afterAll(() => h.close());

const poll = (id: string, wait: number) =>
  h.request<CertificateRequestBody>(
    "GET",
    `/api/v1/cert-manager/certificates/certificate-requests/${id}?wait=${wait}`,
  );

describe("long-poll", () => {
  it("with no worker, answers pending when the wait ends", async () => {
    const { body } = await submit(h, { profileId, commonName: "wait.example.test" });
    const started = performance.now();
    const res = await poll(body.certificateRequestId, 1);
    const elapsed = performance.now() - started;
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe("pending");
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3_000);
  });

  it("answers within 100 ms of issuance: the client gets its certificate in one round trip", async () => {
    const { body } = await submit(h, { profileId, commonName: "fast.example.test" });
    const pending = poll(body.certificateRequestId, 30);
    const worker = await h.startWorker(1);
    let issuedAt = 0;
    worker.on("completed", () => {
      issuedAt = performance.now();
    });
    const res = await pending;
    const answeredAt = performance.now();
    expect(res.body.status).toBe("issued");
    expect(res.body.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(issuedAt).toBeGreaterThan(0);
    expect(answeredAt - issuedAt).toBeLessThan(100);
  });

  it("refuses a wait over 60 seconds", async () => {
    const { body } = await submit(h, { profileId, commonName: "long.example.test" });
    const res = await poll(body.certificateRequestId, 61);
    expect(res.status).toBe(422);
  });
});
