import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "@certq/db/testing";
import { Redis } from "ioredis";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
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
  const child = spawn(process.execPath, ["--import", "tsx", "apps/api/src/main-all.ts"], {
    cwd: REPO_ROOT,
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
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stderr?.on("data", (chunk) => output.push(String(chunk)));
  const port = await listeningPort(child, output);
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await removeKeys(prefix);
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The port from the API's "listening" log line; the process's output if it exits first. */
function listeningPort(child: ChildProcess, output: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === "certq API listening" && entry.port) resolve(entry.port);
      } catch {}
    });
    child.once("exit", (code) =>
      reject(new Error(`certq exited (${code}) before listening:\n${output.join("\n")}`)),
    );
  });
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
