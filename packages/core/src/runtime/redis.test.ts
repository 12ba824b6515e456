import { describe, expect, it } from "vitest";
import { freePort } from "../testing/server-process";
import { createRedis, untilRedisReady } from "./redis";

describe("untilRedisReady", () => {
  it("waits for a connection that is still connecting, and returns at once for a ready one", async () => {
    const client = createRedis({ topology: "single", url: "redis://127.0.0.1:6379" }, "producer");
    try {
      expect(client.status).not.toBe("ready");
      // A producer does not queue commands: before it is ready, a command fails.
      await expect(client.ping()).rejects.toThrow(/enableOfflineQueue/);
      await untilRedisReady(client, "127.0.0.1:6379");
      expect(client.status).toBe("ready");
      await untilRedisReady(client, "127.0.0.1:6379", 0);
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
    }
  });

  it("gives up after the timeout, naming the address", async () => {
    const port = await freePort();
    const client = createRedis(
      { topology: "single", url: `redis://127.0.0.1:${port}` },
      "producer",
    );
    client.on("error", () => {});
    try {
      await expect(untilRedisReady(client, `127.0.0.1:${port}`, 300)).rejects.toThrow(
        `Redis at 127.0.0.1:${port} was not ready within 300 ms`,
      );
      expect(client.listenerCount("ready")).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
