import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  profileId = await createProfile(h, (await createRootCa(h, "RSA_2048")).id);
});
afterAll(() => h.close());

describe("RSA-4096 issuance and the event loop", () => {
  it("keeps the worker's event loop free (job locks keep renewing) while keys are generated", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(
        (
          await submit(h, {
            profileId,
            commonName: `big-${i}.example.test`,
            keyAlgorithm: "RSA_4096",
          })
        ).body.certificateRequestId,
      );
    }
    // Utilisation is the share of wall time the loop spent running callbacks rather than
    // waiting: key generation on the loop would hold it near 1 for seconds, and a loaded
    // machine stretches both parts alike, so the ratio holds where a delay bound would not.
    const before = performance.eventLoopUtilization();
    const started = performance.now();
    await h.startWorker(4);
    const results = await Promise.all(ids.map((id) => waitForRequest(h, id)));
    const elapsed = performance.now() - started;
    const { utilization } = performance.eventLoopUtilization(before);
    expect(results.map((r) => r.status)).toEqual(["issued", "issued", "issued", "issued"]);
    console.log(
      `4 x RSA_4096 in ${Math.round(elapsed)} ms; event loop utilisation ${(utilization * 100).toFixed(1)} %`,
    );
    expect(utilization).toBeLessThan(0.5);
  }, 120_000);
});
