/**
 * Runs certq as real processes (API and workers, each `node --import tsx`), plus private
 * redis-server instances, so fault tests can kill, stop and starve them for real.
 *
 * Every process started here is remembered and SIGKILLed when the world closes, and again
 * when the test process exits, so a failed or aborted run leaves nothing running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@certq/core/testing";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { Redis } from "ioredis";
import postgres from "postgres";
import { onTestFailed } from "vitest";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const SHARED_REDIS_URL = "redis://127.0.0.1:6379";
/** The observer's connections carry this name so pg_terminate_backend can spare them. */
export const OBSERVER_APPLICATION_NAME = "certq-fault-observer";

const API_ENTRY = "apps/api/src/main.ts";
const WORKER_ENTRY = "apps/worker/src/main.ts";
const READY_TIMEOUT_MS = 45_000;

export { freePort };

// A safety net for runs that end without afterAll (a crash, a timeout in a hook).
const everyChild = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of everyChild) child.kill("SIGKILL");
});

/** A pino JSON line, or the raw text of a line that is not JSON. */
export interface LogLine {
  msg?: string;
  level?: number;
  raw: string;
  stream: "stdout" | "stderr";
  [field: string]: unknown;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One child process whose output is kept in memory, line by line. */
export class ChildWithLogs {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<ExitStatus>;
  exitStatus: ExitStatus | undefined;
  /** Set once the test signals or kills it: an exit after that is the test's doing. */
  stopRequested = false;
  private readonly lineListeners = new Set<(line: LogLine) => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    everyChild.add(child);
    for (const stream of ["stdout", "stderr"] as const) {
      let partial = "";
      child[stream]?.setEncoding("utf8");
      child[stream]?.on("data", (chunk: string) => {
        const parts = (partial + chunk).split("\n");
        partial = parts.pop() ?? "";
        for (const part of parts) if (part.trim()) this.addLine(part, stream);
      });
    }
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        everyChild.delete(child);
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  private addLine(raw: string, stream: LogLine["stream"]) {
    let line: LogLine = { raw, stream };
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object") line = { ...parsed, raw, stream };
    } catch {}
    this.lines.push(line);
    for (const listener of this.lineListeners) listener(line);
  }

  logsWithMsg(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }

  /** Resolves with the first line (already seen or to come) that matches. */
  waitForLine(
    matches: (line: LogLine) => boolean,
    what: string,
    timeoutMs = READY_TIMEOUT_MS,
  ): Promise<LogLine> {
    const seen = this.lines.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (error: Error | undefined, line?: LogLine) => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
        if (error) reject(error);
        else if (line) resolve(line);
      };
      const listener = (line: LogLine) => {
        if (matches(line)) done(undefined, line);
      };
      const timer = setTimeout(
        () => done(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.tail()}`)),
        timeoutMs,
      );
      this.lineListeners.add(listener);
      void this.exited.then((status) =>
        done(
          new Error(
            `${this.name} exited (code ${status.code}, signal ${status.signal}) before ${what}\n${this.tail()}`,
          ),
        ),
      );
    });
  }

  waitForMsg(msg: string, timeoutMs = READY_TIMEOUT_MS): Promise<LogLine> {
    return this.waitForLine((line) => line.msg === msg, `log "${msg}"`, timeoutMs);
  }

  signal(signal: NodeJS.Signals) {
    this.stopRequested = true;
    if (this.running) this.child.kill(signal);
  }

  /** Exited though nobody asked it to: a crash. */
  get crashed(): boolean {
    return !this.running && !this.stopRequested;
  }

  /** Resolves with the exit status, or rejects (without killing) after timeoutMs. */
  async waitForExit(timeoutMs: number): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms\n${this.tail()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<ExitStatus> {
    this.signal("SIGKILL");
    return this.exited;
  }

  tail(count = 25): string {
    return this.lines
      .slice(-count)
      .map((line) => `  [${this.name} ${line.stream}] ${line.raw}`)
      .join("\n");
  }
}

/**
 * A redis-server of the test's own, for faults that must not touch the shared one
 * (FLUSHALL, stopping it). No persistence: a restart comes back empty, like a crash of a
 * cache-style Redis.
 */
export class PrivateRedis {
  private current: ChildWithLogs | undefined;

  private constructor(
    readonly port: number,
    readonly bind: string,
  ) {}

  /** `bind`: the address it listens on (default loopback). */
  static async start(options: { bind?: string } = {}): Promise<PrivateRedis> {
    // The free port may be taken by another test between our probe and redis's bind.
    for (let attempt = 1; ; attempt++) {
      const redis = new PrivateRedis(await freePort(), options.bind ?? "127.0.0.1");
      try {
        await redis.restart();
        return redis;
      } catch (error) {
        await redis.stop();
        if (attempt >= 3) throw error;
      }
    }
  }

  get url(): string {
    return `redis://${this.bind}:${this.port}`;
  }

  get running(): boolean {
    return this.current?.running ?? false;
  }

  /** Starts redis-server on the same port again (after stop()). */
  async restart(): Promise<void> {
    if (this.running) throw new Error("private redis is already running");
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        this.bind,
        // Off the loopback Redis refuses clients without a password; the segment is the test's own.
        "--protected-mode",
        this.bind === "127.0.0.1" ? "yes" : "no",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory-policy",
        "noeviction",
        "--daemonize",
        "no",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.current = new ChildWithLogs(`redis:${this.port}`, child);
    await this.current.waitForLine(
      (line) => line.raw.includes("Ready to accept connections"),
      "redis readiness",
      10_000,
    );
  }

  /** A crash, not a shutdown: SIGKILL, so nothing is saved or handed over. */
  async stop(): Promise<void> {
    await this.current?.kill();
  }

  flushAll(): Promise<unknown> {
    return withRedis(this.url, (client) => client.flushall());
  }
}

/** A short-lived client for one look at Redis; fails rather than waits when it is down. */
async function withRedis<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

export interface ApiReply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  elapsedMs: number;
}

export interface ApiProcess extends ChildWithLogs {
  baseUrl: string;
}

export interface Outcome {
  accepted: number;
  issued: number;
  failed: number;
  pending: number;
  /** Accepted requests whose row is gone: an accepted request must always have a row. */
  missing: number;
  /** Accepted requests not ending issued or failed (pending or missing). */
  lost: number;
  issuedTwice: number;
  certificates: number;
}

export function formatOutcome(outcome: Outcome): string {
  return `accepted=${outcome.accepted} issued=${outcome.issued} failed=${outcome.failed} lost=${outcome.lost} issuedTwice=${outcome.issuedTwice}`;
}

/** Where a service process runs: a command prefix (`ip netns exec <ns>`) and its address. */
export interface Placement {
  wrap?: string[];
  /** The address it binds and is reached at (default 127.0.0.1). */
  host?: string;
}

export interface WorldOptions {
  /** Defaults to the shared Redis, under a queue prefix of this world's own. */
  redisUrl?: string;
  /** Instead of REDIS_URL: another topology's variables (Sentinel, Cluster, TLS). */
  redisEnv?: Record<string, string>;
  /** The queue prefix; a private topology can use certq's own `{certq}`. */
  prefix?: string;
  /** Extra environment for every process of this world. */
  env?: Record<string, string>;
}

/**
 * One test file's certq: a fresh database, a queue prefix of its own, one KEK and admin
 * token shared by the API and every worker, and the processes started so far.
 */
export class FaultWorld {
  readonly processes: ChildWithLogs[] = [];
  readonly prefix: string;
  readonly adminToken = `certq_fault_${randomBytes(16).toString("hex")}`;
  private readonly kek = randomBytes(32).toString("base64");
  private readonly dataDir = mkdtempSync(join(tmpdir(), "certq-fault-"));
  private workerCount = 0;
  api: ApiProcess | undefined;

  private constructor(
    readonly db: TestDatabase,
    /** Postgres client for assertions; its own name keeps it out of terminations. */
    readonly observer: postgres.Sql,
    readonly redisUrl: string,
    private readonly extraEnv: Record<string, string>,
    private readonly redisEnv?: Record<string, string>,
    prefix?: string,
  ) {
    this.prefix = prefix ?? `{fault-${randomUUID()}}`;
  }

  static async create(options: WorldOptions = {}): Promise<FaultWorld> {
    const db = await createTestDatabase();
    const observer = postgres(db.url, {
      max: 2,
      onnotice: () => {},
      connection: { application_name: OBSERVER_APPLICATION_NAME },
    });
    return new FaultWorld(
      db,
      observer,
      options.redisUrl ?? SHARED_REDIS_URL,
      options.env ?? {},
      options.redisEnv,
      options.prefix,
    );
  }

  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    // Built from scratch: nothing of the runner's environment (a DATABASE_URL, CERTQ_*)
    // may leak into the processes under test.
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: this.db.url,
      ...(this.redisEnv ?? { REDIS_URL: this.redisUrl }),
      HOST: "127.0.0.1",
      CERTQ_ADMIN_TOKEN: this.adminToken,
      CERTQ_KEK: this.kek,
      CERTQ_DATA_DIR: this.dataDir,
      CERTQ_QUEUE_PREFIX: this.prefix,
      LOG_LEVEL: "info",
      CERTQ_LOCK_DURATION_MS: "3000",
      CERTQ_RECONCILE_INTERVAL_MS: "1000",
      CERTQ_SHUTDOWN_GRACE_MS: "5000",
      CERTQ_WORKER_CONCURRENCY: "4",
      CERTQ_JOB_ATTEMPTS: "5",
      ...this.extraEnv,
      ...extra,
    };
  }

  private spawnService(
    name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    wrap: string[] = [],
  ): ChildWithLogs {
    const [command = process.execPath, ...prefix] = [...wrap, process.execPath];
    const child = spawn(command, [...prefix, "--import", "tsx", entry], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const service = new ChildWithLogs(name, child);
    this.processes.push(service);
    return service;
  }

  async startApi(
    extra: Record<string, string> = {},
    placement: Placement & { name?: string } = {},
  ): Promise<ApiProcess> {
    const host = placement.host ?? "127.0.0.1";
    // The free port may be taken by another test between our probe and the API's bind.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // Its public URL is where it listens, so the URLs it hands out (ACME's) reach it.
      const env = this.env({
        PORT: String(port),
        HOST: host,
        CERTQ_PUBLIC_URL: `http://${host}:${port}`,
        ...extra,
      });
      const service = this.spawnService(placement.name ?? "api", API_ENTRY, env, placement.wrap);
      try {
        await service.waitForMsg("certq API listening");
      } catch (error) {
        if (attempt >= 3 || !service.lines.some((line) => line.raw.includes("EADDRINUSE"))) {
          throw error;
        }
        service.stopRequested = true;
        continue;
      }
      const api = Object.assign(service, { baseUrl: `http://${host}:${port}` });
      this.api = api;
      return api;
    }
  }

  /** Starts the API expecting it to stop at start-up; resolves with its exit and output. */
  async startApiUntilExit(extra: Record<string, string> = {}, timeoutMs = 45_000) {
    const service = this.spawnService("api-start", API_ENTRY, this.env({ PORT: "0", ...extra }));
    service.stopRequested = true;
    const status = await service.waitForExit(timeoutMs);
    return { status, stderr: service.lines.filter((l) => l.stream === "stderr").map((l) => l.raw) };
  }

  async startWorker(
    extra: Record<string, string> = {},
    placement: Placement = {},
  ): Promise<ChildWithLogs> {
    const name = `worker-${String.fromCharCode(65 + this.workerCount++)}`;
    const service = this.spawnService(name, WORKER_ENTRY, this.env(extra), placement.wrap);
    await service.waitForMsg("certq worker started");
    return service;
  }

  /**
   * One HTTP call to the API (the last started, or `baseUrl`: another replica, a load
   * balancer); rejects when no answer comes within timeoutMs.
   */
  async call<T = unknown>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      timeoutMs?: number;
      token?: string;
      baseUrl?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiReply<T>> {
    const baseUrl = options.baseUrl ?? this.api?.baseUrl;
    if (!baseUrl) throw new Error("the API is not started");
    const started = performance.now();
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...options.headers,
        authorization: `Bearer ${options.token ?? this.adminToken}`,
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return {
      status: res.status,
      headers: res.headers,
      body: body as T,
      text,
      elapsedMs: performance.now() - started,
    };
  }

  /** A root CA and a profile for names under example.test; returns the profile ID. */
  async createProfile(caKeyAlgorithm = "EC_prime256v1"): Promise<string> {
    const ca = await this.call<{ certificateAuthority: { id: string } }>("POST", "/api/v1/pki/ca", {
      body: { type: "root", commonName: `Fault Root ${this.prefix}`, keyAlgorithm: caKeyAlgorithm },
    });
    if (ca.status !== 200) throw new Error(`CA creation: ${ca.status} ${ca.text}`);
    const profile = await this.call<{ certificateProfile: { id: string } }>(
      "POST",
      "/api/v1/cert-manager/certificate-profiles",
      {
        body: {
          slug: `fault-${randomBytes(4).toString("hex")}`,
          caId: ca.body.certificateAuthority.id,
          defaults: { ttl: "30d" },
          policy: {
            commonName: ["*.example.test"],
            altNames: { dns_name: ["*.example.test"] },
          },
        },
      },
    );
    if (profile.status !== 200)
      throw new Error(`profile creation: ${profile.status} ${profile.text}`);
    return profile.body.certificateProfile.id;
  }

  submit(profileId: string, commonName: string, keyAlgorithm: string, timeoutMs = 15_000) {
    return this.call<{ certificateRequestId: string }>(
      "POST",
      "/api/v1/cert-manager/certificates",
      { body: { profileId, commonName, keyAlgorithm }, timeoutMs },
    );
  }

  /** Submits `count` requests, `parallel` at a time; each must be accepted (202). */
  async submitMany(
    profileId: string,
    count: number,
    keyAlgorithm: string,
    parallel = 8,
  ): Promise<string[]> {
    const ids: string[] = [];
    let next = 0;
    const client = async () => {
      while (next < count) {
        const index = next++;
        const reply = await this.submit(profileId, `h-${index}.example.test`, keyAlgorithm);
        if (reply.status !== 202) {
          throw new Error(`submission ${index}: ${reply.status} ${reply.text}`);
        }
        ids.push(reply.body.certificateRequestId);
      }
    };
    await Promise.all(Array.from({ length: parallel }, client));
    return ids;
  }

  async statusCounts(ids: readonly string[]): Promise<Record<string, number>> {
    const rows = await this.observer<{ status: string; count: number }[]>`
      select status, count(*)::int as count from certificate_requests
      where id = any(${ids as string[]}::uuid[]) group by status`;
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  }

  /** The database's view of the given accepted requests. */
  async outcome(ids: readonly string[]): Promise<Outcome> {
    const counts = await this.statusCounts(ids);
    const [certificates] = await this.observer<{ count: number; twice: number }[]>`
      select count(*)::int as count,
             (select count(*)::int from (
                select request_id from certificates
                where request_id = any(${ids as string[]}::uuid[])
                group by request_id having count(*) > 1) as dup) as twice
      from certificates where request_id = any(${ids as string[]}::uuid[])`;
    const issued = counts.issued ?? 0;
    const failed = counts.failed ?? 0;
    const pending = counts.pending ?? 0;
    const missing = ids.length - issued - failed - pending;
    return {
      accepted: ids.length,
      issued,
      failed,
      pending,
      missing,
      lost: pending + missing,
      issuedTwice: certificates?.twice ?? 0,
      certificates: certificates?.count ?? 0,
    };
  }

  /**
   * Polls the database until no accepted request is pending. Gives up (returning the outcome
   * as it stands) at the deadline, or once nothing has finished for `stallMs`: a batch that
   * stops moving for that long on this machine is stuck, not slow.
   */
  async waitUntilSettled(
    ids: readonly string[],
    options: { timeoutMs: number; stallMs?: number },
  ): Promise<Outcome> {
    const deadline = Date.now() + options.timeoutMs;
    const stallMs = options.stallMs ?? 30_000;
    let finished = -1;
    let lastProgress = Date.now();
    for (;;) {
      this.assertNoCrash();
      const outcome = await this.outcome(ids);
      if (outcome.pending === 0) return outcome;
      if (outcome.issued + outcome.failed !== finished) {
        finished = outcome.issued + outcome.failed;
        lastProgress = Date.now();
      }
      if (Date.now() > deadline || Date.now() - lastProgress > stallMs) return outcome;
      await delay(250);
    }
  }

  /** Throws, with its output, when a service process exited without being told to. */
  assertNoCrash() {
    const crashed = this.processes.filter((p) => p.crashed);
    if (crashed.length === 0) return;
    throw new Error(
      crashed
        .map(
          (p) =>
            `${p.name} (pid ${p.child.pid}) exited by itself, code ${p.exitStatus?.code} signal ${p.exitStatus?.signal}:\n${p.tail(15)}`,
        )
        .join("\n"),
    );
  }

  /** waitFor that also fails at once when a service process crashes meanwhile. */
  waitFor<T>(
    check: () => Promise<T | undefined>,
    options: { timeoutMs: number; intervalMs?: number; describe: () => string | Promise<string> },
  ): Promise<T> {
    return waitFor(async () => {
      this.assertNoCrash();
      return check();
    }, options);
  }

  /**
   * Jobs of the issuance queue in one of BullMQ's lists: `wait` (queued) or `active`
   * (locked by some worker right now).
   */
  async issuanceJobs(list: "wait" | "active"): Promise<number> {
    return withRedis(this.redisUrl, (client) => client.llen(`${this.prefix}:issuance:${list}`));
  }

  /** The requests the jobs in one of those lists carry (a job may carry several). */
  async issuanceRequests(list: "wait" | "active"): Promise<number> {
    return withRedis(this.redisUrl, async (client) => {
      const jobIds = await client.lrange(`${this.prefix}:issuance:${list}`, 0, -1);
      let requests = 0;
      for (const jobId of jobIds) {
        const data = await client.hget(`${this.prefix}:issuance:${jobId}`, "data");
        const payload = JSON.parse(data ?? "{}") as { requestIds?: string[] };
        requests += payload.requestIds?.length ?? 1;
      }
      return requests;
    });
  }

  /** Every process's log lines that contain `text` (a reqId, a request ID), for failure messages. */
  linesMentioning(text: string): string[] {
    return this.processes.flatMap((p) =>
      p.lines.filter((line) => line.raw.includes(text)).map((line) => `[${p.name}] ${line.raw}`),
    );
  }

  /** Prints every process's output tail if the running test fails; call it inside a test. */
  reportOnFailure() {
    onTestFailed(() => console.error(this.describeProcesses(40)));
  }

  /** The tail of every process's output, for a failure message. */
  describeProcesses(count = 25): string {
    return this.processes
      .map((p) => {
        const status = p.exitStatus
          ? `exited code=${p.exitStatus.code} signal=${p.exitStatus.signal}`
          : "running";
        return `--- ${p.name} (pid ${p.child.pid}, ${status})\n${p.tail(count)}`;
      })
      .join("\n");
  }

  /** Kills every process, removes this world's keys from Redis and drops the database. */
  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill()));
    // A private topology is torn down whole by its owner.
    if (!this.redisEnv) await removeKeys(this.redisUrl, this.prefix).catch(() => {});
    await this.observer.end({ timeout: 5 });
    await this.db.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Deletes every key under a queue prefix (jobs, schedulers, counters). */
function removeKeys(redisUrl: string, prefix: string): Promise<void> {
  return withRedis(redisUrl, async (client) => {
    // Braces are literal in SCAN's glob, so the hash-tag prefix needs no escaping.
    let cursor = "0";
    do {
      const [nextCursor, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = nextCursor;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined, or fails with `describe()`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; describe: () => string | Promise<string> },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms: ${await options.describe()}`);
    }
    await delay(options.intervalMs ?? 250);
  }
}
