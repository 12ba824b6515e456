import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { apiCommand, startServerProcess } from "@certq/core/testing";
import { createTestDatabase } from "@certq/db/testing";
import { Redis } from "ioredis";

const REDIS_URL = "redis://127.0.0.1:6379";

export interface CertqProcess {
  url: string;
  adminToken: string;
  close(): Promise<void>;
}

/**
 * certq as a user runs it (`npm start`: the API and a worker in one process), on its own
 * database and queue prefix, listening on a free loopback port; what the CLI talks to.
 */
export async function startCertqProcess(): Promise<CertqProcess> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), "certq-cli-data-"));
  const prefix = `{cli-${randomUUID()}}`;
  const adminToken = `certq_cli_${randomBytes(16).toString("hex")}`;
  const server = await startServerProcess({
    command: apiCommand("main-all.ts"),
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: db.url,
      REDIS_URL,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      CERTQ_KEK: randomBytes(32).toString("base64"),
      CERTQ_ADMIN_TOKEN: adminToken,
      CERTQ_DATA_DIR: dataDir,
      CERTQ_QUEUE_PREFIX: prefix,
      CERTQ_KEY_POOL: "none",
    },
  });
  return {
    url: `http://127.0.0.1:${server.listening.port}`,
    adminToken,
    async close() {
      await server.stop();
      await removeKeys(prefix);
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function removeKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
