import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findRequestJobId, issueJobRequestIds } from "@certq/core";
import { certificateRequests, certificates } from "@certq/db";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, restrictProfile, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

const run = promisify(execFile);
let h: Harness;
let caPem: string;
let caId: string;

beforeAll(async () => {
  // Jobs that fail are retried after 1, 2 and 4 s.
  h = await createHarness({ attempts: 4 });
  const ca = await createRootCa(h, "EC_prime256v1", "Batch Root");
  caId = ca.id;
  caPem = ca.certificate;
});
afterAll(() => h.close());

type Item = { profileId: string; commonName: string; keyAlgorithm?: string };

/** Submits items in one bulk call, so they are stored together and share jobs. */
async function submitTogether(items: Item[]): Promise<string[]> {
  const res = await h.request<{ results: { certificateRequestId: string }[] }>(
    "POST",
    "/api/v1/cert-manager/certificates/bulk",
    { body: { requests: items.map((item) => ({ keyAlgorithm: "EC_prime256v1", ...item })) } },
  );
  expect(res.status, res.text).toBe(202);
  return res.body.results.map((r) => r.certificateRequestId);
}

/** The job that carries a request, and the requests it carries. */
async function jobOf(requestId: string) {
  const job = await h.queue.getJob((await findRequestJobId(h.ctx.db, requestId)) ?? "none");
  if (!job) throw new Error(`no job carries ${requestId}`);
  return { job, requestIds: issueJobRequestIds(job.data) };
}

const statuses = async (ids: string[]) =>
  (
    await h.db.db
      .select({ status: certificateRequests.status })
      .from(certificateRequests)
      .where(inArray(certificateRequests.id, ids))
  ).map((r) => r.status);

const certificatesOf = (ids: string[]) =>
  h.db.db
    .select({ requestId: certificates.requestId })
    .from(certificates)
    .where(inArray(certificates.requestId, ids));

describe("requests submitted together", () => {
  it("P-256 ones share a job, RSA ones get a job each under their own ID; all issue, each verifying with openssl", async () => {
    const profileId = await createProfile(h, caId);
    const ec = Array.from({ length: 6 }, (_, i) => ({
      profileId,
      commonName: `ec-${i}.example.test`,
    }));
    const rsa = { profileId, commonName: "rsa.example.test", keyAlgorithm: "RSA_2048" };
    const ids = await submitTogether([...ec, rsa]);
    const rsaId = ids[6] as string;

    const rsaJob = await jobOf(rsaId);
    expect(rsaJob.job.id).toBe(rsaId);
    expect(rsaJob.job.data).toEqual({ requestId: rsaId });
    const shared = await jobOf(ids[5] as string);
    expect(shared.job.id).not.toBe(ids[5]);
    expect(shared.requestIds.length).toBeGreaterThan(1);
    expect(shared.requestIds).not.toContain(rsaId);

    const worker = await h.startWorker(2);
    const dir = await mkdtemp(join(tmpdir(), "certq-batch-"));
    try {
      await writeFile(join(dir, "ca.pem"), caPem);
      for (const [i, id] of ids.entries()) {
        const request = await waitForRequest(h, id);
        expect(request.status).toBe("issued");
        const leaf = join(dir, `leaf-${i}.pem`);
        await writeFile(leaf, request.certificate ?? "");
        const verified = await run("openssl", ["verify", "-CAfile", join(dir, "ca.pem"), leaf]);
        expect(verified.stdout).toContain(": OK");
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(await shared.job.getState()).toBe("completed");
    expect((await h.queue.getJob(shared.job.id as string))?.returnvalue).toEqual({
      issued: shared.requestIds.length,
      skipped: 0,
      failed: 0,
    });
    await worker.close();
  });

  it("a long poll on a request of a shared job wakes when that job finishes", async () => {
    const profileId = await createProfile(h, caId);
    const ids = await submitTogether(
      Array.from({ length: 4 }, (_, i) => ({ profileId, commonName: `poll-${i}.example.test` })),
    );
    const last = ids[3] as string;
    expect((await jobOf(last)).job.id).not.toBe(last);
    const started = Date.now();
    const polled = h.request<{ status: string }>(
      "GET",
      `/api/v1/cert-manager/certificates/certificate-requests/${last}?wait=20`,
    );
    const worker = await h.startWorker(2);
    const res = await polled;
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe("issued");
    expect(Date.now() - started).toBeLessThan(10_000);
    await worker.close();
  });

  it("a shared job run again, and once more under another ID, issues one certificate per request", async () => {
    const profileId = await createProfile(h, caId);
    const ids = await submitTogether(
      Array.from({ length: 5 }, (_, i) => ({ profileId, commonName: `again-${i}.example.test` })),
    );
    const shared = await jobOf(ids[4] as string);
    const worker = await h.startWorker(4);
    for (const id of ids) expect((await waitForRequest(h, id)).status).toBe("issued");

    // A stalled job's second run, and a duplicate of it: every request has ended, so both skip.
    const again = await h.queue.add(
      "issue",
      { requestIds: shared.requestIds },
      { jobId: `${shared.job.id}-again` },
    );
    await h.issuance.waitForJob(again.id as string, 30_000);
    expect((await h.queue.getJob(again.id as string))?.returnvalue).toEqual({
      issued: 0,
      skipped: shared.requestIds.length,
      failed: 0,
    });
    const rows = await certificatesOf(ids);
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(5);
    await worker.close();
  });

  it("one request refused by its tightened profile fails alone; the others of its job issue", async () => {
    const open = await createProfile(h, caId);
    const strict = await createProfile(h, caId);
    const ids = await submitTogether([
      ...Array.from({ length: 4 }, (_, i) => ({
        profileId: open,
        commonName: `ok-${i}.example.test`,
      })),
      { profileId: strict, commonName: "late.example.test" },
    ]);
    const refusedId = ids[4] as string;
    const shared = await jobOf(refusedId);
    expect(shared.requestIds.length).toBeGreaterThan(1);
    await restrictProfile(h, strict);

    const worker = await h.startWorker(2);
    const refused = await waitForRequest(h, refusedId);
    expect(refused.status).toBe("failed");
    expect(refused.errorMessage).toMatch(/late\.example\.test/);
    for (const id of ids.slice(0, 4)) expect((await waitForRequest(h, id)).status).toBe("issued");
    // Not retried: the refusal is permanent, and the job ends completed with it counted.
    const job = await h.queue.getJob(shared.job.id as string);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.returnvalue).toEqual({
      issued: shared.requestIds.length - 1,
      skipped: 0,
      failed: 1,
    });
    expect(await certificatesOf([refusedId])).toEqual([]);
    await worker.close();
  });

  it("one request failing transiently retries the job; the others are not issued twice", async () => {
    // A real statement failure for one name only, until the test lifts it.
    await h.db.sql`create table flaky_names (name text primary key)`;
    await h.db.sql`insert into flaky_names values ('flaky.example.test')`;
    await h.db.sql.unsafe(`
      create function refuse_flaky() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from flaky_names where name = new.common_name) then
          raise exception 'flaky storage for %', new.common_name;
        end if;
        return new;
      end $$;
      create trigger refuse_flaky before insert on certificates
        for each row execute function refuse_flaky();`);
    try {
      const profileId = await createProfile(h, caId);
      const ids = await submitTogether([
        ...Array.from({ length: 4 }, (_, i) => ({
          profileId,
          commonName: `steady-${i}.example.test`,
        })),
        { profileId, commonName: "flaky.example.test" },
      ]);
      const flakyId = ids[4] as string;
      const shared = await jobOf(flakyId);
      const steady = shared.requestIds.filter((id) => id !== flakyId);
      expect(steady.length).toBeGreaterThan(0);

      const worker = await h.startWorker(2);
      // Their job is not finished (the flaky one waits for a retry): read Postgres.
      await expect
        .poll(async () => (await statuses(ids.slice(0, 4))).every((s) => s === "issued"), {
          timeout: 10_000,
        })
        .toBe(true);
      // An attempt failed for the flaky one alone; the job waits for its retry.
      await expect
        .poll(async () => (await h.queue.getJob(shared.job.id as string))?.attemptsMade, {
          timeout: 10_000,
        })
        .toBeGreaterThanOrEqual(1);
      expect(await statuses([flakyId])).toEqual(["pending"]);
      await h.db.sql`delete from flaky_names`;

      expect((await waitForRequest(h, flakyId)).status).toBe("issued");
      const job = await h.queue.getJob(shared.job.id as string);
      expect(await job?.getState()).toBe("completed");
      expect(job?.attemptsMade).toBeGreaterThanOrEqual(2);
      expect(job?.returnvalue).toEqual({ issued: 1, skipped: steady.length, failed: 0 });
      const rows = await certificatesOf(ids);
      expect(rows).toHaveLength(5);
      expect(new Set(rows.map((r) => r.requestId)).size).toBe(5);
      await worker.close();
    } finally {
      await h.db.sql.unsafe(
        "drop trigger refuse_flaky on certificates; drop function refuse_flaky(); drop table flaky_names",
      );
    }
  });
});
