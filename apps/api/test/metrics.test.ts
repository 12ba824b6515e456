import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let profileId: string;
let metricsToken: string;

beforeAll(async () => {
  h = await createHarness();
  profileId = await createProfile(h, (await createRootCa(h, "EC_prime256v1")).id);
  metricsToken = await h.token(["metrics:read"]);
});
afterAll(() => h.close());

/** Prometheus text format: `name{labels} value` samples, `# HELP` and `# TYPE` comments. */
function parse(text: string) {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = line.match(/^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (-?[\d.e+-]+|NaN|\+Inf|-Inf)$/);
    if (!match?.[1] || !match[2]) throw new Error(`not Prometheus text: ${line}`);
    samples.set(match[1], Number(match[2]));
  }
  return samples;
}

async function scrape() {
  const res = await h.request("GET", "/metrics", { token: metricsToken });
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parse(res.text);
}

describe("/metrics access", () => {
  it("needs a token with metrics:read (or admin): 401 without one, 403 with another scope", async () => {
    const none = await h.request<{ statusCode: number; error: string }>("GET", "/metrics", {
      token: null,
    });
    expect(none.status, none.text).toBe(401);
    expect(none.body).toMatchObject({ statusCode: 401, error: "UnauthorizedError" });
    expect(none.text).not.toContain("certq_http_requests_total");
    const other = await h.request("GET", "/metrics", {
      token: await h.token(["certificates:read"]),
    });
    expect(other.status, other.text).toBe(403);
    expect(other.body).toMatchObject({ details: { requiredScope: "metrics:read" } });
    const admin = await h.request("GET", "/metrics");
    expect(admin.status).toBe(200);
    expect(admin.headers.get("cache-control")).toBe("no-store");
  });
});

describe("/metrics", () => {
  it("parses as Prometheus text, and its counters move when certificates are issued", async () => {
    const before = await scrape();
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (
          await submit(h, {
            profileId,
            commonName: `m-${i}.example.test`,
            keyAlgorithm: "EC_prime256v1",
          })
        ).body.certificateRequestId,
      );
    const queued = await scrape();
    expect(queued.get('certq_queue_jobs{state="waiting"}')).toBe(3);
    await h.startWorker(2);
    for (const id of ids) expect((await waitForRequest(h, id)).status).toBe("issued");
    const after = await scrape();

    const route =
      'certq_http_requests_total{method="POST",route="/api/v1/cert-manager/certificates",status="202"}';
    expect((after.get(route) ?? 0) - (before.get(route) ?? 0)).toBe(3);
    expect(after.get('certq_issuance_jobs_total{outcome="issued"}')).toBe(3);
    expect(after.get('certq_issuance_duration_seconds_count{key_algorithm="EC_prime256v1"}')).toBe(
      3,
    );
    expect(after.get('certq_key_generation_seconds_count{key_algorithm="EC_prime256v1"}')).toBe(3);
    expect(after.get('certq_queue_jobs{state="waiting"}')).toBe(0);
  });
});
