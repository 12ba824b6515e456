import { certificates } from "@certq/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  profileId = await createProfile(h, (await createRootCa(h, "EC_prime256v1")).id);
});
afterAll(async () => {
  await h.close();
});

describe("200 submissions at once with two workers", () => {
  it("all end issued with 200 distinct serial numbers, and no log line holds a private key", async () => {
    const submissions = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        h.request<{ certificateRequestId: string }>("POST", "/api/v1/cert-manager/certificates", {
          body: { profileId, commonName: `host-${i}.example.test`, keyAlgorithm: "EC_prime256v1" },
        }),
      ),
    );
    for (const s of submissions) expect(s.status, s.text).toBe(202);
    await Promise.all([h.startWorker(8), h.startWorker(8)]);

    const requests = await Promise.all(
      submissions.map((s) => waitForRequest(h, s.body.certificateRequestId)),
    );
    expect(requests.filter((r) => r.status !== "issued")).toEqual([]);
    const serials = new Set(requests.map((r) => r.serialNumber));
    expect(serials.size).toBe(200);
    const rows = await h.db.db.select({ requestId: certificates.requestId }).from(certificates);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(200);

    // Both workers took part: the jobs name the worker that processed them.
    const completed = await h.queue.getJobs(["completed"], 0, 300);
    expect(new Set(completed.map((j) => j.processedBy)).size).toBe(2);

    const leaked = h.logs.filter((line) => line.includes("PRIVATE KEY"));
    expect(leaked).toEqual([]);
    expect(h.logs.some((line) => line.includes("certificate issued"))).toBe(true);
  });
});
