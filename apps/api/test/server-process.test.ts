import { randomBytes, randomUUID } from "node:crypto";
import { apiCommand, freePort, type ServerProcess, startServerProcess } from "@certq/core/testing";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "./harness";

let db: TestDatabase;
let server: ServerProcess;
let apiPort: number;
let metricsPort: number;

// The API as a process (main.ts), with CERTQ_METRICS_PORT: /metrics moves to a loopback
// listener; and the limits only a real socket shows.
beforeAll(async () => {
  db = await createTestDatabase();
  metricsPort = await freePort();
  server = await startServerProcess({
    command: apiCommand("main.ts"),
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      PORT: "0",
      HOST: "127.0.0.1",
      CERTQ_METRICS_PORT: String(metricsPort),
      CERTQ_KEK: randomBytes(32).toString("base64"),
      CERTQ_QUEUE_PREFIX: `{test-${randomUUID()}}`,
      LOG_LEVEL: "info",
    },
  });
  apiPort = server.listening.port;
});
afterAll(async () => {
  await server?.stop();
  await db.drop();
});

describe("CERTQ_METRICS_PORT", () => {
  it("serves /metrics on its own loopback listener without a token, and not on the API port", async () => {
    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("x-content-type-options")).toBe("nosniff");
    const text = await scrape.text();
    expect(text).toContain("certq_http_requests_total");
    expect(text).toContain("certq_queue_jobs");

    const api = await fetch(`http://127.0.0.1:${apiPort}/metrics`);
    expect(api.status).toBe(404);
    expect(await api.text()).not.toContain("certq_http_requests_total");
    expect(api.headers.get("cache-control")).toBe("no-store");
  });

  it("binds to 127.0.0.1 only (CERTQ_METRICS_HOST's default): another loopback address is refused", async () => {
    const error = await fetch(`http://127.0.0.2:${metricsPort}/metrics`).then(
      () => undefined,
      (caught: { cause?: { code?: string } }) => caught,
    );
    expect(error?.cause?.code).toBe("ECONNREFUSED");
  });
});

describe("header limit (maxHeaderSize)", () => {
  it("answers 431 to headers over 16 KiB, and serves headers just under it", async () => {
    const under = await fetch(`http://127.0.0.1:${apiPort}/healthz`, {
      headers: { "x-padding": "a".repeat(15 * 1024) },
    });
    expect(under.status).toBe(200);
    const over = await fetch(`http://127.0.0.1:${apiPort}/healthz`, {
      headers: { "x-padding": "a".repeat(17 * 1024) },
    });
    expect(over.status).toBe(431);
  });
});
