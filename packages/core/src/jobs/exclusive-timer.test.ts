import { randomUUID } from "node:crypto";
import { createLogger } from "@certq/config";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { runExclusivelyEvery } from "./exclusive-timer";

// The shared Redis, under a key of this file's own.
const redis = new Redis("redis://127.0.0.1:6379");
const key = `{test-${randomUUID()}}:exclusive-timer-lock`;
afterAll(async () => {
  await redis.del(key);
  redis.disconnect();
});

describe("runExclusivelyEvery", () => {
  it("runs the task in one of several processes per interval, and again once the lock is gone", async () => {
    const runs: string[] = [];
    const log = createLogger({ level: "silent" });
    const timers = ["a", "b", "c"].map((name) =>
      runExclusivelyEvery({
        redis,
        key,
        intervalMs: 60_000,
        task: async () => runs.push(name),
        log,
      }),
    );
    try {
      await Promise.all(timers.map((timer) => timer.tick()));
      expect(runs).toHaveLength(1);
      await Promise.all(timers.map((timer) => timer.tick()));
      expect(runs).toHaveLength(1);
      // Redis restarted empty: the lock is gone, and the next tick runs the task again.
      await redis.del(key);
      await Promise.all(timers.map((timer) => timer.tick()));
      expect(runs).toHaveLength(2);
    } finally {
      for (const timer of timers) timer.stop();
    }
  });

  it("logs a failing task instead of throwing from the timer", async () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "warn",
      destination: { write: (line: string) => lines.push(line) },
    });
    const failing = runExclusivelyEvery({
      redis,
      key: `${key}:failing`,
      intervalMs: 60_000,
      task: async () => {
        throw new Error("database away");
      },
      log,
    });
    try {
      await failing.tick();
      expect(lines.join("")).toContain("database away");
    } finally {
      failing.stop();
      await redis.del(`${key}:failing`);
    }
  });
});
