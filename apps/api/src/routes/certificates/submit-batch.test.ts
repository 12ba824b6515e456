import { openssl, scratchDir } from "@certq/core/testing";
import { certificateRequests } from "@certq/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, waitForRequest } from "../../../test/fixtures";
import { createHarness, type Harness } from "../../../test/harness";

interface BatchItem {
  index: number;
  certificateRequestId?: string;
  status?: string;
  error?: { statusCode: number; message: unknown; error: string };
}
interface BatchBody {
  accepted: number;
  refused: number;
  results: BatchItem[];
}

let h: Harness;
let profileId: string;
let rootPem: string;

beforeAll(async () => {
  h = await createHarness();
  const root = await createRootCa(h, "EC_prime256v1");
  rootPem = root.certificate;
  profileId = await createProfile(h, root.id);
  await h.startWorker(4);
});
afterAll(() => h.close());

const item = (commonName: string, extra: Record<string, unknown> = {}) => ({
  profileId,
  commonName,
  keyAlgorithm: "EC_prime256v1",
  ...extra,
});

async function storedRequests() {
  return (await h.db.db.select().from(certificateRequests)).length;
}

describe("POST /api/v1/cert-manager/certificates/bulk", () => {
  it("answers each item on its own: good ones are stored and issued, a bad field or a refused name fails alone", async () => {
    const before = await storedRequests();
    const res = await h.request<BatchBody>("POST", "/api/v1/cert-manager/certificates/bulk", {
      body: {
        requests: [
          item("one.example.test"),
          item("two.example.test", { keyAlgorithm: "DSA_1024" }),
          item("evil.example.com"),
          { profileId, commonName: "three.example.test", colour: "blue" },
          item("four.example.test"),
        ],
      },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.refused).toBe(3);
    const [one, two, evil, three, four] = res.body.results;
    expect(one).toMatchObject({ index: 0, status: "pending" });
    expect(four).toMatchObject({ index: 4, status: "pending" });
    // Each error names its item and field, in the single submission's error shape.
    expect(two?.error).toMatchObject({ statusCode: 422, error: "ValidationFailure" });
    expect(JSON.stringify(two?.error?.message)).toContain("requests.1.keyAlgorithm");
    expect(evil?.error).toMatchObject({ statusCode: 400, error: "BadRequest" });
    expect(String(evil?.error?.message)).toContain("evil.example.com");
    expect(three?.error?.statusCode).toBe(422);
    expect(JSON.stringify(three?.error?.message)).toContain("requests.3");
    expect(await storedRequests()).toBe(before + 2);

    const scratch = await scratchDir();
    try {
      const rootFile = await scratch.write("root.pem", rootPem);
      for (const accepted of [one, four]) {
        const done = await waitForRequest(h, accepted?.certificateRequestId as string);
        expect(done.status).toBe("issued");
        const leaf = await scratch.write(`${accepted?.index}.pem`, done.certificate as string);
        const verified = await openssl(["verify", "-CAfile", rootFile, leaf]);
        expect(verified.code, verified.stderr).toBe(0);
      }
    } finally {
      await scratch.cleanup();
    }
  });

  it("issues a batch of 200 through the queue, one certificate per item", async () => {
    const requests = Array.from({ length: 200 }, (_, i) => item(`fleet-${i}.example.test`));
    const res = await h.request<BatchBody>("POST", "/api/v1/cert-manager/certificates/bulk", {
      body: { requests },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body.accepted).toBe(200);
    expect(res.body.results.map((r) => r.index)).toEqual(requests.map((_, i) => i));
    const ids = res.body.results.map((r) => r.certificateRequestId as string);
    expect(new Set(ids).size).toBe(200);
    const finished = await Promise.all(ids.map((id) => waitForRequest(h, id)));
    expect(finished.every((r) => r.status === "issued")).toBe(true);
    expect(new Set(finished.map((r) => r.serialNumber)).size).toBe(200);
  });

  it("replays a batch under the same Idempotency-Key item by item, storing nothing new", async () => {
    const body = { requests: [item("idem-a.example.test"), item("idem-b.example.test")] };
    const headers = { "idempotency-key": "fleet-batch-7" };
    const first = await h.request<BatchBody>("POST", "/api/v1/cert-manager/certificates/bulk", {
      body,
      headers,
    });
    expect(first.status, first.text).toBe(202);
    const stored = await storedRequests();
    const again = await h.request<BatchBody>("POST", "/api/v1/cert-manager/certificates/bulk", {
      body,
      headers,
    });
    expect(again.status, again.text).toBe(202);
    expect(again.body.results.map((r) => r.certificateRequestId)).toEqual(
      first.body.results.map((r) => r.certificateRequestId),
    );
    expect(await storedRequests()).toBe(stored);
  });

  it("refuses an empty batch and one of more than 1,000 items with a 422 naming requests, storing nothing", async () => {
    const before = await storedRequests();
    for (const requests of [
      [],
      Array.from({ length: 1001 }, (_, i) => item(`x${i}.example.test`)),
    ]) {
      const res = await h.request<{ message: { field: string }[] }>(
        "POST",
        "/api/v1/cert-manager/certificates/bulk",
        { body: { requests } },
      );
      expect(res.status, res.text).toBe(422);
      expect(res.body.message.map((issue) => issue.field)).toContain("requests");
    }
    expect(await storedRequests()).toBe(before);
  });

  it("needs certificates:issue for the whole batch", async () => {
    const reader = await h.token(["certificates:read"]);
    const res = await h.request("POST", "/api/v1/cert-manager/certificates/bulk", {
      token: reader,
      body: { requests: [item("nope.example.test")] },
    });
    expect(res.status).toBe(403);
  });
});
