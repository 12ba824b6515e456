import { enqueueIssuance, findRequestJobId, issueJobRequestIds } from "@certq/core";
import { certificateRequests, certificates } from "@certq/db";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProfile,
  createRootCa,
  restrictProfile,
  submit,
  TEST_POLICY,
  waitForRequest,
} from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let caId: string;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  caId = (await createRootCa(h, "EC_prime256v1")).id;
  profileId = await createProfile(h, caId, {
    defaults: { ttl: "30d", keyAlgorithm: "EC_prime256v1" },
    policy: { ...TEST_POLICY, keyAlgorithms: ["EC_prime256v1", "EC_secp384r1"], maxTtl: "90d" },
  });
});
afterAll(() => h.close());

async function requestCount() {
  const [row] = await h.db.db.select({ n: count() }).from(certificateRequests);
  return row?.n ?? 0;
}

const REFUSALS: [string, Record<string, unknown>, RegExp][] = [
  [
    "a DNS name outside the patterns",
    { commonName: "app.example.test", altNames: [{ type: "dns_name", value: "evil.example.com" }] },
    /evil\.example\.com/,
  ],
  ["a common name outside the patterns", { commonName: "www.evil.test" }, /www\.evil\.test/],
  [
    "two labels under a one-label wildcard",
    { commonName: "a.b.example.test" },
    /a\.b\.example\.test/,
  ],
  [
    "an IP outside the range",
    { commonName: "app.example.test", altNames: [{ type: "ip_address", value: "10.0.0.1" }] },
    /10\.0\.0\.1/,
  ],
  [
    "a key algorithm the policy does not allow",
    { commonName: "app.example.test", keyAlgorithm: "RSA_2048" },
    /RSA_2048/,
  ],
  ["a ttl over maxTtl", { commonName: "app.example.test", ttl: "400d" }, /400d|maxTtl/],
  [
    "an EKU outside allowed",
    { commonName: "app.example.test", extendedKeyUsages: ["code_signing"] },
    /code_signing/,
  ],
  [
    "a signature algorithm the CA key cannot make",
    { commonName: "app.example.test", signatureAlgorithm: "RSA-SHA256" },
    /RSA-SHA256/,
  ],
  [
    "a validity past the CA's",
    { commonName: "app.example.test", notAfter: "2199-01-01T00:00:00Z" },
    /CA/,
  ],
  [
    "an invalid DNS name",
    { commonName: "app.example.test", altNames: [{ type: "dns_name", value: "bad name!" }] },
    /bad name!/,
  ],
];

describe("policy refusals", () => {
  it.each(REFUSALS)(
    "%s: 400 naming the value, nothing stored or enqueued",
    async (_name, body, message) => {
      const before = await requestCount();
      const res = await h.request<{ message: string }>(
        "POST",
        "/api/v1/cert-manager/certificates",
        {
          body: { profileId, ...body },
        },
      );
      expect(res.status, res.text).toBe(400);
      expect(res.body.message).toMatch(message);
      expect(await requestCount()).toBe(before);
      expect(
        await h.queue.getJobCountByTypes("waiting", "active", "delayed", "completed", "failed"),
      ).toBe(0);
    },
  );

  it("an unknown profile is a 404", async () => {
    const res = await h.request("POST", "/api/v1/cert-manager/certificates", {
      body: { profileId: "3c90c3cc-0d44-4b50-8888-8dd25736052a", commonName: "app.example.test" },
    });
    expect(res.status, res.text).toBe(404);
  });

  it("a request ID that is not a UUID is a 422; an unknown one a 404", async () => {
    const bad = await h.request(
      "GET",
      "/api/v1/cert-manager/certificates/certificate-requests/not-a-uuid",
    );
    expect(bad.status).toBe(422);
    const unknown = await h.request(
      "GET",
      "/api/v1/cert-manager/certificates/certificate-requests/3c90c3cc-0d44-4b50-8888-8dd25736052a",
    );
    expect(unknown.status).toBe(404);
  });
});

describe("a profile tightened while a request waits", () => {
  it("fails the request with the reason, without retrying", async () => {
    const strict = await createProfile(h, caId);
    const res = await submit(h, { profileId: strict, commonName: "late.example.test" });
    const id = res.body.certificateRequestId;
    await restrictProfile(h, strict);

    const worker = await h.startWorker(1);
    const request = await waitForRequest(h, id);
    expect(request.status).toBe("failed");
    expect(request.errorMessage).toMatch(/late\.example\.test/);
    expect(request.certificate).toBeNull();
    const job = await h.queue.getJob(id);
    expect(job?.attemptsMade).toBe(1);
    expect(await job?.getState()).toBe("failed");
    await worker.close();
  });
});

describe("exactly one certificate per request", () => {
  it("the same Idempotency-Key twice is one request and one certificate; another body is a 422", async () => {
    const body = { profileId, commonName: "idem.example.test" };
    const first = await submit(h, body, { "idempotency-key": "key-1" });
    const second = await submit(
      h,
      { commonName: "idem.example.test", profileId },
      { "idempotency-key": "key-1" },
    );
    expect(second.body.certificateRequestId).toBe(first.body.certificateRequestId);
    expect(second.headers.get("idempotent-replayed")).toBe("true");

    const conflict = await h.request<{ statusCode: number; message: string }>(
      "POST",
      "/api/v1/cert-manager/certificates",
      {
        body: { profileId, commonName: "other.example.test" },
        headers: { "idempotency-key": "key-1" },
      },
    );
    expect(conflict.status, conflict.text).toBe(422);
    expect(conflict.body.message).toMatch(/Idempotency-Key/);

    const worker = await h.startWorker(2);
    const request = await waitForRequest(h, first.body.certificateRequestId);
    expect(request.status).toBe("issued");
    const issued = await h.db.db
      .select({ n: count() })
      .from(certificates)
      .where(eq(certificates.requestId, first.body.certificateRequestId));
    expect(issued[0]?.n).toBe(1);
    await worker.close();
  });

  it("submissions at the same moment are stored together; the same Idempotency-Key among them is still one request", async () => {
    const before = await requestCount();
    const bodies = Array.from({ length: 12 }, (_, i) => ({
      profileId,
      commonName: `together-${i}.example.test`,
    }));
    const sameKey = { profileId, commonName: "together-key.example.test" };
    const responses = await Promise.all([
      ...bodies.map((body) => submit(h, body)),
      ...[1, 2, 3].map(() => submit(h, sameKey, { "idempotency-key": "together-key" })),
    ]);
    for (const res of responses) expect(res.status, res.text).toBe(202);
    const ids = responses.map((res) => res.body.certificateRequestId);
    expect(new Set(ids.slice(0, 12)).size).toBe(12);
    expect(new Set(ids.slice(12)).size).toBe(1);
    expect(await requestCount()).toBe(before + 13);
    // Each stored request has a job that carries it: its own, or one it shares.
    for (const id of new Set(ids)) {
      const job = await h.queue.getJob((await findRequestJobId(h.ctx.db, id)) ?? "none");
      expect(job && issueJobRequestIds(job.data)).toContain(id);
    }
    const replays = responses.slice(12).filter((r) => r.headers.get("idempotent-replayed"));
    expect(replays).toHaveLength(2);
  });

  it("the same request enqueued again after its job finished, with two workers, still issues one certificate", async () => {
    const workers = [await h.startWorker(4), await h.startWorker(4)];
    const res = await submit(h, { profileId, commonName: "twice.example.test" });
    const id = res.body.certificateRequestId;
    expect((await waitForRequest(h, id)).status).toBe("issued");

    // A finished job can be added again once removed (removeOnComplete): simulate both that
    // and a concurrent duplicate under another job ID.
    await (await h.queue.getJob(id))?.remove();
    await enqueueIssuance(h.queue, id);
    await h.queue.add("issue", { requestId: id }, { jobId: `${id}-dup` });
    await h.issuance.waitForJob(id, 30_000);
    await h.issuance.waitForJob(`${id}-dup`, 30_000);
    const rows = await h.db.db.select().from(certificates).where(eq(certificates.requestId, id));
    expect(rows).toHaveLength(1);
    expect((await h.queue.getJob(id))?.returnvalue).toEqual({
      status: "skipped",
      reason: "not-pending",
    });
    await Promise.all(workers.map((w) => w.close()));
  });
});
