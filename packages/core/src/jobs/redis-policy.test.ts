import { type ChildProcess, spawn } from "node:child_process";
import { Writable } from "node:stream";
import { createLogger } from "@certq/config";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../testing/server-process";
import { warnUnlessNoEviction } from "./redis-policy";

// A private Redis with an evicting policy: the shared one must not be reconfigured.
let server: ChildProcess;
let redis: Redis;

beforeAll(async () => {
  const port = await freePort();
  server = spawn("redis-server", [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--maxmemory-policy",
    "allkeys-lru",
  ]);
  await new Promise<void>((resolve) => {
    server.stdout?.on("data", (d: Buffer) => {
      if (String(d).includes("Ready to accept connections")) resolve();
    });
  });
  redis = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  redis.disconnect();
  server.kill("SIGKILL");
});

function capture() {
  const lines: string[] = [];
  const log = createLogger({
    level: "info",
    destination: new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  return { log, lines };
}

describe("maxmemory-policy check", () => {
  it("warns when Redis may evict jobs, and is quiet with noeviction", async () => {
    const evicting = capture();
    expect(await warnUnlessNoEviction(redis, evicting.log)).toBe("allkeys-lru");
    expect(evicting.lines.join("")).toMatch(/maxmemory-policy is 'allkeys-lru', not 'noeviction'/);

    await redis.config("SET", "maxmemory-policy", "noeviction");
    const quiet = capture();
    expect(await warnUnlessNoEviction(redis, quiet.log)).toBe("noeviction");
    expect(quiet.lines).toEqual([]);
  });
});
