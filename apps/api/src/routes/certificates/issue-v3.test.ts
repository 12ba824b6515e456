import { certificateRequests } from "@certq/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, waitForRequest } from "../../../test/fixtures";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let profileId: string;

beforeAll(async () => {
  h = await createHarness({ syncWaitMs: 300 });
  profileId = await createProfile(h, (await createRootCa(h, "EC_prime256v1")).id);
});
afterAll(() => h.close());

describe("v3 issue-certificate past its wait bound", () => {
  it("answers 202 with the request ID and Location when no worker runs, and the request issues later", async () => {
    const started = Date.now();
    const res = await h.request<{ certificateRequestId: string; status: string }>(
      "POST",
      "/api/v3/pki/certificates/issue-certificate",
      {
        body: {
          profileId,
          commonName: "slow.example.test",
          ttl: "1d",
          signatureAlgorithm: "ECDSA-SHA256",
          keyAlgorithm: "EC_prime256v1",
        },
      },
    );
    const elapsed = Date.now() - started;
    expect(res.status, res.text).toBe(202);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(5_000);
    expect(res.body).toEqual({ certificateRequestId: expect.any(String), status: "pending" });
    expect(res.headers.get("location")).toBe(
      `/api/v1/cert-manager/certificates/certificate-requests/${res.body.certificateRequestId}`,
    );
    expect(await h.db.db.select().from(certificateRequests)).toHaveLength(1);

    await h.startWorker(1);
    expect((await waitForRequest(h, res.body.certificateRequestId)).status).toBe("issued");
  });
});
