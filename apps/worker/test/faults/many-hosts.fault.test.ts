/**
 * Issue #14 item 4, many hosts: two API replicas and two workers, each on a "host" of its own
 * (a network namespace), haproxy in front on a fifth. Every process reaches PostgreSQL through
 * a forwarder on the machine's end of the segment (the shared cluster listens on loopback
 * only) and a private Redis bound there. Without CAP_NET_ADMIN every host is loopback.
 */
import { hostname } from "node:os";
import { createIssuanceQueue, type IssuanceQueue, issueJobRequestIds } from "@certq/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Haproxy } from "./haproxy";
import { createHosts, type Hosts } from "./hosts";
import {
  type ApiProcess,
  type ApiReply,
  type ChildWithLogs,
  delay,
  FaultWorld,
  formatOutcome,
  freePort,
  PrivateRedis,
} from "./process-harness";
import { startTcpForwarder, type TcpForwarder } from "./tcp-forwarder";

const REQUESTS = 1_000;
const CLIENTS = 32;
const KILL_AFTER_ACCEPTED = 300;
const MAX_QUEUE_DEPTH = 150;
const TOKEN_RATE = 5;
const SUBMIT_PATH = "/api/v1/cert-manager/certificates";
const pollPath = (id: string, wait: number) =>
  `/api/v1/cert-manager/certificates/certificate-requests/${id}?wait=${wait}`;

interface RequestView {
  certificateRequestId?: string;
  status: string;
  certificate?: string | null;
}

describe("many hosts: two API replicas and two workers on their own hosts, haproxy in front", () => {
  let hosts: Hosts | undefined;
  let redis: PrivateRedis | undefined;
  let forwarder: TcpForwarder | undefined;
  let world: FaultWorld | undefined;
  let proxy: Haproxy | undefined;
  let queueRedis: Redis | undefined;
  let queue: IssuanceQueue;
  let apiA: ApiProcess;
  let apiB: ApiProcess;
  let workers: ChildWithLogs[];
  let profileId: string;

  beforeAll(async () => {
    hosts = await createHosts(["lb", "api1", "api2", "worker1", "worker2"]);
    console.log(
      hosts.mode === "netns"
        ? `many hosts: network namespaces on ${hosts.machineAddress.replace(/\.1$/, ".0/24")} (machine end ${hosts.machineAddress})`
        : `many hosts: network namespaces cannot be made here (${hosts.reason}); every host is loopback with its own port`,
    );
    redis = await PrivateRedis.start({ bind: hosts.machineAddress });
    world = await FaultWorld.create({ redisUrl: redis.url });
    const databaseUrl = new URL(world.db.url);
    if (hosts.mode === "netns") {
      forwarder = await startTcpForwarder(hosts.machineAddress, {
        host: databaseUrl.hostname,
        port: Number(databaseUrl.port || 5432),
      });
      databaseUrl.hostname = forwarder.host;
      databaseUrl.port = String(forwarder.port);
    }
    const lb = hosts.node("lb");
    const proxyPort = await freePort();
    const env = {
      DATABASE_URL: databaseUrl.toString(),
      CERTQ_PUBLIC_URL: `http://${lb.address}:${proxyPort}`,
      CERTQ_SYNC_WAIT_MS: "60000",
      CERTQ_WORKER_CONCURRENCY: "16",
      CERTQ_MAX_QUEUE_DEPTH: String(MAX_QUEUE_DEPTH),
      CERTQ_KEY_POOL: "none",
    };
    const [api1, api2] = [hosts.node("api1"), hosts.node("api2")];
    [apiA, apiB] = await Promise.all([
      world.startApi(env, { ...api1, host: api1.address, name: "api1" }),
      world.startApi(env, { ...api2, host: api2.address, name: "api2" }),
    ]);
    workers = await Promise.all(
      ["worker1", "worker2"].map(
        (name) => world?.startWorker(env, hosts?.node(name)) as Promise<ChildWithLogs>,
      ),
    );
    proxy = await Haproxy.start({
      wrap: lb.wrap,
      host: lb.address,
      port: proxyPort,
      statsPort: await freePort(),
      backends: [
        { name: "api1", address: new URL(apiA.baseUrl).host },
        { name: "api2", address: new URL(apiB.baseUrl).host },
      ],
    });
    queueRedis = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = createIssuanceQueue({ connection: queueRedis, prefix: world.prefix, attempts: 5 });
    profileId = await world.createProfile();
  }, 120_000);

  afterAll(async () => {
    // Every step runs even if one before it fails: namespaces must not outlive the run.
    const steps = [
      () => queue?.close(),
      () => queueRedis?.disconnect(),
      () => proxy?.close(),
      () => world?.close(),
      () => forwarder?.close(),
      () => redis?.stop(),
      () => hosts?.close(),
    ];
    const failures: unknown[] = [];
    for (const step of steps)
      await Promise.resolve()
        .then(step)
        .catch((e) => failures.push(e));
    if (failures.length > 0) throw failures[0];
  }, 60_000);

  const issue = (i: number) => ({
    profileId,
    commonName: `lp-${i}.example.test`,
    keyAlgorithm: "EC_prime256v1",
  });

  it("answers long-polls and v3 waits on a replica other than the one that took the submission", async () => {
    if (!world || !proxy || !redis) throw new Error("setup failed");
    world.reportOnFailure();
    const w = world;
    const lbUrl = proxy.baseUrl;
    // Paused, no worker takes a job: every wait below starts on a pending request.
    await queue.pause();
    const monitorClient = new Redis(redis.url);
    const monitor = await monitorClient.monitor();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const reply = await w.call<RequestView>("POST", SUBMIT_PATH, {
          baseUrl: apiA.baseUrl,
          body: issue(i),
        });
        expect(reply.status, reply.text).toBe(202);
        ids.push(reply.body.certificateRequestId as string);
      }
      // A replica that waits looks the job up in Redis first: seeing that lookup for every
      // polled ID proves each long-poll found its request pending and is now waiting.
      const lookedUp = new Set<string>();
      const allLookedUp = new Promise<void>((resolve) => {
        monitor.on("monitor", (_time: string, args: string[]) => {
          const key = args[0]?.toLowerCase() === "hgetall" ? (args[1] ?? "") : "";
          const id = ids.find((candidate) => key.endsWith(`:issuance:${candidate}`));
          if (id) lookedUp.add(id);
          if (lookedUp.size === ids.length) resolve();
        });
      });
      const startedAt = performance.now();
      // Half straight to replica B, half through haproxy (either replica).
      const polls = ids.map((id, i) =>
        w
          .call<RequestView>("GET", pollPath(id, 60), {
            baseUrl: i % 2 === 0 ? apiB.baseUrl : lbUrl,
            timeoutMs: 70_000,
          })
          .then((reply) => ({ ...reply, answeredAt: performance.now() })),
      );
      const v3 = [0, 1, 2, 3].map((i) =>
        w.call<{ certificate?: string; serialNumber?: string }>(
          "POST",
          "/api/v3/pki/certificates/issue-certificate",
          {
            baseUrl: lbUrl,
            body: { ...issue(100 + i), ttl: "7d", signatureAlgorithm: "ECDSA-SHA256" },
            timeoutMs: 70_000,
          },
        ),
      );
      await allLookedUp;
      await w.waitFor(
        async () => ((await queue.getWaitingCount()) >= ids.length + v3.length ? true : undefined),
        {
          timeoutMs: 30_000,
          describe: async () => `v3 submissions queued: ${await queue.getWaitingCount()}`,
        },
      );
      const resumedAt = performance.now();
      await queue.resume();
      const pollReplies = await Promise.all(polls);
      const v3Replies = await Promise.all(v3);
      for (const reply of pollReplies) {
        expect(reply.status, reply.text).toBe(200);
        expect(reply.body.status, reply.text).toBe("issued");
        expect(reply.answeredAt, "answered before the queue was resumed").toBeGreaterThan(
          resumedAt,
        );
      }
      for (const reply of v3Replies) {
        expect(reply.status, reply.text).toBe(200);
        expect(reply.body.certificate, reply.text).toMatch(/^-----BEGIN CERTIFICATE-----/);
      }
      const slowest = Math.max(...pollReplies.map((r) => r.elapsedMs));
      console.log(
        `many hosts: ${ids.length} long-polls (submitted on api1; ${ids.length / 2} polled on api2, ${ids.length / 2} through haproxy) and ${v3.length} v3 waits answered issued; queue resumed after ${(resumedAt - startedAt).toFixed(0)} ms, slowest answer ${slowest.toFixed(0)} ms`,
      );
    } finally {
      monitor.disconnect();
      monitorClient.disconnect();
      await queue.resume();
    }
  }, 150_000);

  it("holds a token's rate limit across both replicas together", async () => {
    if (!world) throw new Error("setup failed");
    world.reportOnFailure();
    const w = world;
    const created = await w.call<{ value: string }>("POST", "/api/v1/tokens", {
      baseUrl: apiA.baseUrl,
      body: { name: "rate", scopes: ["certificates:issue"], rateLimitPerSecond: TOKEN_RATE },
    });
    expect(created.status, created.text).toBe(201);
    const token = created.body.value;
    const startedAt = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        w.call("POST", SUBMIT_PATH, {
          baseUrl: i % 2 === 0 ? apiA.baseUrl : apiB.baseUrl,
          body: issue(200 + i),
          token,
        }),
      ),
    );
    const endedAt = Date.now();
    // The limit is a fixed window per wall-clock second; count the seconds the burst touched.
    const windows = Math.floor(endedAt / 1000) - Math.floor(startedAt / 1000) + 1;
    const accepted = replies.filter((r) => r.status === 202).length;
    const limitedOn = (i: number) =>
      replies.filter((r, j) => j % 2 === i && r.status === 429).length;
    console.log(
      `many hosts: token limited to ${TOKEN_RATE}/s: ${accepted} of 60 accepted across api1+api2 in ${windows} second window(s), 429s: api1 ${limitedOn(0)}, api2 ${limitedOn(1)}`,
    );
    expect(
      replies
        .filter((r) => r.status !== 202 && r.status !== 429)
        .map((r) => `${r.status} ${r.text}`),
    ).toEqual([]);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(TOKEN_RATE * windows);
    expect(limitedOn(0)).toBeGreaterThan(0);
    expect(limitedOn(1)).toBeGreaterThan(0);
  }, 60_000);

  it("holds the queue-depth limit across both replicas together", async () => {
    if (!world) throw new Error("setup failed");
    world.reportOnFailure();
    const w = world;
    await w.waitFor(async () => ((await queue.getWaitingCount()) === 0 ? true : undefined), {
      timeoutMs: 60_000,
      describe: async () => `queue empty: ${await queue.getWaitingCount()} waiting`,
    });
    await queue.pause();
    const acceptedIds: string[] = [];
    try {
      // Twice the limit, from 32 clients split over the two replicas: one replica's own
      // count would let each take the full limit.
      const total = 2 * MAX_QUEUE_DEPTH + 2 * CLIENTS;
      let next = 0;
      let refused = 0;
      const client = async (c: number) => {
        while (next < total) {
          const i = next++;
          const reply = await w.call<RequestView>("POST", SUBMIT_PATH, {
            baseUrl: c % 2 === 0 ? apiA.baseUrl : apiB.baseUrl,
            body: issue(1000 + i),
          });
          if (reply.status === 202) acceptedIds.push(reply.body.certificateRequestId as string);
          else if (reply.status === 429) refused++;
          else throw new Error(`submission ${i}: ${reply.status} ${reply.text}`);
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
      // Counted in requests: a job may carry several.
      const waiting = (await queue.getWaiting(0, -1)).reduce(
        (sum, job) => sum + issueJobRequestIds(job.data).length,
        0,
      );
      console.log(
        `many hosts: queue depth limit ${MAX_QUEUE_DEPTH}: ${acceptedIds.length} of ${total} accepted across api1+api2 (${refused} got 429), ${waiting} waiting`,
      );
      expect(waiting).toBe(acceptedIds.length);
      // Approximate by design (each replica reuses a depth read for up to 100 ms): at most
      // what the clients can have in flight past the limit.
      expect(acceptedIds.length).toBeGreaterThanOrEqual(MAX_QUEUE_DEPTH - CLIENTS);
      expect(acceptedIds.length).toBeLessThanOrEqual(MAX_QUEUE_DEPTH + CLIENTS);
    } finally {
      await queue.resume();
    }
    const outcome = await w.waitUntilSettled(acceptedIds, { timeoutMs: 90_000 });
    expect(outcome).toMatchObject({ issued: acceptedIds.length, lost: 0, issuedTwice: 0 });
  }, 150_000);

  it("loses nothing of 1,000 submissions through haproxy when an API replica is killed mid-run", async () => {
    if (!world || !proxy) throw new Error("setup failed");
    world.reportOnFailure();
    const w = world;
    const lb = proxy;
    const runId = Date.now().toString(36);
    const ids: string[] = [];
    const retried = { attempts: 0, requests: 0, replayed: 0, statuses: new Map<string, number>() };
    let killedAt: number | undefined;
    let downAfterMs: number | undefined;
    const startedAt = performance.now();

    const killReplicaA = async () => {
      killedAt = performance.now();
      await apiA.kill();
      await w.waitFor(
        async () => ((await lb.serverStates()).api1?.startsWith("DOWN") ? true : undefined),
        {
          timeoutMs: 30_000,
          intervalMs: 100,
          describe: async () => JSON.stringify(await lb.serverStates()),
        },
      );
      downAfterMs = performance.now() - (killedAt ?? 0);
    };
    let kill: Promise<void> | undefined;

    // Each client retries through haproxy with the same Idempotency-Key until it gets a 202.
    const submit = async (index: number): Promise<string> => {
      const headers = { "idempotency-key": `many-hosts-${runId}-${index}` };
      for (let attempt = 1; ; attempt++) {
        let reply: ApiReply<RequestView> | undefined;
        let failure: string;
        try {
          reply = await w.call<RequestView>("POST", SUBMIT_PATH, {
            baseUrl: lb.baseUrl,
            body: issue(10_000 + index),
            headers,
            timeoutMs: 20_000,
          });
          // Who answered: the API's error body is JSON, haproxy's own is HTML.
          failure = `${reply.status} from ${reply.text.startsWith("{") ? "an API" : "haproxy"}`;
        } catch (error) {
          failure = (error as Error).name;
        }
        if (reply?.status === 202) {
          if (attempt > 1) retried.requests++;
          if (reply.headers.get("idempotent-replayed") === "true") retried.replayed++;
          return reply.body.certificateRequestId as string;
        }
        if (reply && ![429, 502, 503, 504].includes(reply.status)) {
          throw new Error(`submission ${index}: ${reply.status} ${reply.text}`);
        }
        if (attempt >= 50)
          throw new Error(`submission ${index}: gave up after ${attempt} attempts (${failure})`);
        retried.attempts++;
        retried.statuses.set(failure, (retried.statuses.get(failure) ?? 0) + 1);
        await delay(Math.min(1_000, 50 * attempt));
      }
    };

    let next = 0;
    const client = async () => {
      while (next < REQUESTS) {
        const id = await submit(next++);
        ids.push(id);
        if (ids.length === KILL_AFTER_ACCEPTED) kill = killReplicaA();
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const submittedMs = performance.now() - startedAt;
    await kill;
    const outcome = await w.waitUntilSettled(ids, { timeoutMs: 120_000 });
    const seconds = (performance.now() - startedAt) / 1000;

    const names = new Map(workers.map((worker) => [`${hostname()}:${worker.pid}`, worker.name]));
    const share = new Map<string, number>([...names.values()].map((n) => [n, 0]));
    const wanted = new Set(ids);
    for (let start = 0; ; start += 1_000) {
      const jobs = await queue.getJobs(["completed"], start, start + 999, true);
      for (const job of jobs) {
        const name = names.get(job?.processedBy ?? "");
        if (!name || !job) continue;
        const mine = issueJobRequestIds(job.data).filter((id) => wanted.has(id)).length;
        share.set(name, (share.get(name) ?? 0) + mine);
      }
      if (jobs.length < 1_000) break;
    }
    const acceptedBy = (api: ApiProcess) =>
      api.logsWithMsg("certificate request accepted").filter((l) => wanted.has(String(l.requestId)))
        .length;
    console.log(
      [
        `many hosts (${hosts?.mode}): ${formatOutcome(outcome)} in ${seconds.toFixed(1)} s (submissions ${(submittedMs / 1000).toFixed(1)} s)`,
        `  worker shares: ${[...share].map(([n, c]) => `${n} ${c}`).join(", ")}`,
        `  accepted by: api1 ${acceptedBy(apiA)} (killed -9 after ${KILL_AFTER_ACCEPTED} accepted), api2 ${acceptedBy(apiB)}; haproxy marked api1 DOWN ${downAfterMs?.toFixed(0)} ms after the kill`,
        `  client retries: ${retried.attempts} attempts for ${retried.requests} requests (${[...retried.statuses].map(([s, c]) => `${s}×${c}`).join(", ") || "none"}), ${retried.replayed} answered as Idempotency-Key replays`,
      ].join("\n"),
    );

    expect(new Set(ids).size).toBe(REQUESTS);
    expect(outcome).toMatchObject({
      accepted: REQUESTS,
      issued: REQUESTS,
      failed: 0,
      lost: 0,
      issuedTwice: 0,
      certificates: REQUESTS,
    });
    // Retries stored nothing beyond what clients were told: one row per Idempotency-Key.
    const [stored] = await w.observer<{ count: number }[]>`
      select count(*)::int as count from certificate_requests
      where idempotency_key like ${`many-hosts-${runId}-%`}`;
    expect(stored?.count).toBe(REQUESTS);
    for (const [name, count] of share) expect(count, `${name}'s share`).toBeGreaterThan(0);
    expect(acceptedBy(apiB)).toBeGreaterThan(0);
    expect(apiA.exitStatus?.signal).toBe("SIGKILL");
    expect(downAfterMs).toBeDefined();
  }, 240_000);
});
