import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateRequestBody } from "../../../test/fixtures";
import { createProfile, createRootCa, submit } from "../../../test/fixtures";
import { createHarness, type Harness } from "../../../test/harness";

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
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe("pending");
    // A timer never fires early, so the answer came no sooner than the wait asked for.
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("is woken by issuance: the client gets its certificate in one round trip", async () => {
    const { body } = await submit(h, { profileId, commonName: "fast.example.test" });
    const started = performance.now();
    // The longest wait there is, begun before any worker runs.
    const pending = poll(body.certificateRequestId, 60);
    const worker = await h.startWorker(1);
    let completed = false;
    worker.on("completed", () => {
      completed = true;
    });
    const res = await pending;
    expect(completed).toBe(true);
    expect(res.body.status).toBe("issued");
    expect(res.body.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // Answered by the completion event, not by re-reading at the end of the 60 s wait; the
    // margin is wide so a loaded machine does not break it.
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 70_000);

  it("refuses a wait over 60 seconds", async () => {
    const { body } = await submit(h, { profileId, commonName: "long.example.test" });
    const res = await poll(body.certificateRequestId, 61);
    expect(res.status).toBe(422);
  });
});
