import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RedisConnectionConfig } from "@certq/config";
import {
  createIssuanceQueue,
  createRedis,
  type IssuanceQueue,
  type RedisClient,
} from "@certq/core";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { Cluster, type Redis } from "ioredis";
import type { Cleanup } from "./cleanup";
import { HttpClient } from "./http";
import { type ChildHandle, freePort, startProcess, waitFor } from "./processes";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const REDIS_URL = "redis://127.0.0.1:6379";
const START_TIMEOUT_MS = 60_000;

/** Names every profile of the benchmark allows. */
export const BENCH_POLICY = {
  commonName: ["*.example.test"],
  altNames: { dns_name: ["*.example.test"] },
  extendedKeyUsages: { allowed: ["server_auth", "client_auth"], required: [] },
  maxTtl: "90d",
};

/**
 * certq as real processes: a fresh database, a unique queue prefix on the local Redis, the
 * API on a free loopback port and worker processes on demand. Everything is registered
 * with the cleanup: processes stopped, Redis keys of the prefix deleted, database dropped.
 */
export class CertqStack {
  readonly api: HttpClient;
  private workers: ChildHandle[] = [];
  private workerCount = 0;

  private constructor(
    readonly db: TestDatabase,
    readonly prefix: string,
    readonly queue: IssuanceQueue,
    private readonly env: Record<string, string>,
    private readonly apiProcess: ChildHandle,
    private readonly cleanup: Cleanup,
    readonly caId: string,
    port: number,
    token: string,
  ) {
    this.api = new HttpClient(new URL(`http://127.0.0.1:${port}`), {
      authorization: `Bearer ${token}`,
    });
  }

  static async start(args: {
    cleanup: Cleanup;
    workerConcurrency: number;
    /** Profile the API process (--cpu-prof) into this directory; written when it stops. */
    apiCpuProfileDir?: string;
    /** Another Redis than the local single node: its certq variables and connection. */
    redis?: { env: Record<string, string>; connection: RedisConnectionConfig };
  }): Promise<CertqStack> {
    const { cleanup } = args;
    const db = await createTestDatabase();
    cleanup.add(`drop database ${db.name}`, () => db.drop());
    const prefix = `{bench-${randomUUID()}}`;
    const redis = createRedis(
      args.redis?.connection ?? { topology: "single", url: REDIS_URL },
      "worker",
    );
    cleanup.add(`delete Redis keys ${prefix}*`, async () => {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    });
    const queue = createIssuanceQueue({ connection: redis, prefix, attempts: 5 });
    cleanup.add("close queue handle", () => queue.close());
    const dataDir = await mkdtemp(join(tmpdir(), "certq-bench-"));
    cleanup.add(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));

    const port = await freePort();
    const token = `certq_bench_${randomBytes(24).toString("hex")}`;
    const env = {
      DATABASE_URL: db.url,
      ...(args.redis?.env ?? { REDIS_URL }),
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      CERTQ_KEK: randomBytes(32).toString("base64"),
      CERTQ_ADMIN_TOKEN: token,
      CERTQ_DATA_DIR: dataDir,
      CERTQ_QUEUE_PREFIX: prefix,
      CERTQ_PUBLIC_URL: `http://127.0.0.1:${port}`,
      CERTQ_MAX_QUEUE_DEPTH: "10000000",
      CERTQ_TOKEN_RATE_LIMIT: "0",
      CERTQ_WORKER_CONCURRENCY: String(args.workerConcurrency),
      CERTQ_SHUTDOWN_GRACE_MS: "5000",
      CERTQ_WORKER_METRICS_PORT: "0",
    };
    const apiProcess = startProcess({
      label: "certq API",
      command: process.execPath,
      argv: [
        ...(args.apiCpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", args.apiCpuProfileDir] : []),
        "--import",
        "tsx",
        "apps/api/src/main.ts",
      ],
      env,
      cwd: REPO_ROOT,
      cleanup,
    });
    const probe = new HttpClient(new URL(`http://127.0.0.1:${port}`));
    try {
      await waitFor(
        "certq API",
        async () => !apiProcess.exited() && (await probe.send("GET", "/readyz")).status === 200,
        START_TIMEOUT_MS,
        apiProcess.tail,
      );
    } finally {
      probe.close();
    }
    const api = new HttpClient(new URL(`http://127.0.0.1:${port}`), {
      authorization: `Bearer ${token}`,
    });
    const ca = await api.json<{ certificateAuthority: { id: string } }>("POST", "/api/v1/pki/ca", {
      type: "root",
      commonName: "certq bench root",
      keyAlgorithm: "EC_prime256v1",
    });
    api.close();
    const stack = new CertqStack(
      db,
      prefix,
      queue,
      env,
      apiProcess,
      cleanup,
      ca.certificateAuthority.id,
      port,
      token,
    );
    cleanup.add("close API client", async () => stack.api.close());
    return stack;
  }

  /** A profile of its own for one run, so that run's requests are easy to find. */
  async createProfile(slug: string): Promise<string> {
    const res = await this.api.json<{ certificateProfile: { id: string } }>(
      "POST",
      "/api/v1/cert-manager/certificate-profiles",
      { slug, caId: this.caId, defaults: { ttl: "30d" }, policy: BENCH_POLICY },
    );
    return res.certificateProfile.id;
  }

  /** Starts worker processes and waits until each has registered with the queue. */
  async startWorkers(
    count: number,
    options: { cpuProfileDir?: string; env?: Record<string, string> } = {},
  ): Promise<ChildHandle[]> {
    const started: ChildHandle[] = [];
    const { cpuProfileDir } = options;
    for (let i = 0; i < count; i++) {
      const profiling = cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir] : [];
      started.push(
        startProcess({
          label: `certq worker ${++this.workerCount}`,
          command: process.execPath,
          argv: [...profiling, "--import", "tsx", "apps/worker/src/main.ts"],
          env: { ...this.env, ...options.env },
          cwd: REPO_ROOT,
          cleanup: this.cleanup,
        }),
      );
    }
    this.workers.push(...started);
    const expected = this.workers.filter((w) => !w.exited()).length;
    await waitFor(
      `${count} worker(s)`,
      async () => {
        const dead = started.find((w) => w.exited());
        if (dead) throw new Error(`${dead.label} exited:\n${dead.tail()}`);
        return (await this.queue.getWorkersCount()) >= expected;
      },
      START_TIMEOUT_MS,
      () => started.map((w) => `${w.label}:\n${w.tail()}`).join("\n"),
    );
    return started;
  }

  /** Stops every running worker (SIGTERM: they finish running jobs, then exit). */
  async stopWorkers(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    this.workers = [];
  }

  /** The processedBy name a worker process gives its jobs (host:pid). */
  static workerName(worker: ChildHandle): string {
    return `${hostname()}:${worker.pid}`;
  }

  /** The API's process ID (the submit runs read its CPU time from /proc). */
  apiPid(): number {
    return this.apiProcess.pid;
  }

  /**
   * VACUUM ANALYZE the bench database and CHECKPOINT, so neither autovacuum over the rows the
   * previous runs inserted nor a checkpoint of their WAL lands inside the next measured run.
   */
  async settleDatabase(): Promise<void> {
    await this.db.sql`vacuum (analyze)`;
    await this.db.sql`checkpoint`;
  }

  /** The running workers' process IDs (the end-to-end runs read their CPU time). */
  workerPids(): number[] {
    return this.workers.filter((w) => !w.exited()).map((w) => w.pid);
  }

  apiTail(): string {
    return this.apiProcess.tail();
  }
}

/** Deletes every key under the prefix (SCAN + UNLINK, bounded by the key count). */
async function deleteKeys(client: RedisClient, prefix: string): Promise<void> {
  // The prefix is a hash tag, so on a Cluster its keys all sit on one master: scan each.
  for (const redis of client instanceof Cluster ? client.nodes("master") : [client]) {
    await deleteNodeKeys(redis, prefix);
  }
}

async function deleteNodeKeys(redis: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[[\]*?\\]/g, "\\$&")}*`;
  let cursor = "0";
  for (let rounds = 0; rounds < 1_000_000; rounds++) {
    const [nextCursor, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = nextCursor;
    if (cursor === "0") return;
  }
}
