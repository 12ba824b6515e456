import { describe, expect, it } from "vitest";
import { planIssuanceJobs } from "./issuance-queue";
import { issueJobRequestIds, MAX_JOB_REQUESTS, parseJobPayload } from "./job-catalog";

const ids = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => `00000000-0000-4000-8000-${String(from + i).padStart(12, "0")}`,
  );

describe("planIssuanceJobs", () => {
  it("puts quick requests together, at most MAX_JOB_REQUESTS to a job, under fresh IDs", () => {
    let n = 0;
    const quick = ids(MAX_JOB_REQUESTS + 3);
    const jobs = planIssuanceJobs(
      quick.map((id) => ({ id, quick: true })),
      () => `job-${++n}`,
    );
    expect(jobs).toEqual([
      { jobId: "job-1", requestIds: quick.slice(0, MAX_JOB_REQUESTS) },
      { jobId: "job-2", requestIds: quick.slice(MAX_JOB_REQUESTS) },
    ]);
  });

  it("gives slow requests, and a quick one alone, a job of their own under their ID", () => {
    const [quick, slowA, slowB] = ids(3);
    const jobs = planIssuanceJobs(
      [
        { id: slowA as string, quick: false },
        { id: quick as string, quick: true },
        { id: slowB as string, quick: false },
      ],
      () => "never",
    );
    expect(jobs).toEqual([
      { jobId: quick, requestIds: [quick] },
      { jobId: slowA, requestIds: [slowA] },
      { jobId: slowB, requestIds: [slowB] },
    ]);
  });
});

describe("the issue job's payload", () => {
  it("is one request or up to MAX_JOB_REQUESTS of them, UUIDs only", () => {
    const [one] = ids(1);
    expect(issueJobRequestIds(parseJobPayload("issue", { requestId: one }))).toEqual([one]);
    const many = ids(MAX_JOB_REQUESTS);
    expect(issueJobRequestIds(parseJobPayload("issue", { requestIds: many }))).toEqual(many);
    expect(() => parseJobPayload("issue", { requestIds: ids(MAX_JOB_REQUESTS + 1) })).toThrow();
    expect(() => parseJobPayload("issue", { requestIds: [] })).toThrow();
    expect(() => parseJobPayload("issue", { requestIds: ["not-a-uuid"] })).toThrow();
    expect(() => parseJobPayload("issue", { requestId: one, privateKey: "x" })).toThrow();
  });
});
