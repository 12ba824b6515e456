// `npm run bench`: certq's benchmark suite (issue #6). Prints one table per run, with the
// machine on top. Not part of `npm test`. Knobs: see bench/lib/config.ts.
import { mkdir, mkdtemp } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createBoundIssuer, measureBound } from "./lib/bound";
import { type BulkResult, renderBulk, runBulk } from "./lib/bulk";
import { CertqStack } from "./lib/certq-stack";
import { findCfssl, runCfssl, startCfssl } from "./lib/cfssl";
import { Cleanup } from "./lib/cleanup";
import { type BenchPart, loadBenchConfig } from "./lib/config";
import { summarizeCpuProfiles } from "./lib/cpu-profile";
import { type EndToEndResult, runEndToEnd } from "./lib/end-to-end";
import { type GrowthPoint, measureGrowthPoint, renderGrowth } from "./lib/growth";
import { fillDatabase } from "./lib/growth-fill";
import { describeMachine, machineLine, startCpuAccounting } from "./lib/machine";
import { type OcspResult, renderOcsp, runCertqOcsp, runReferenceOcsp } from "./lib/ocsp";
import { waitUntilIdle } from "./lib/processes";
import { type BenchResults, renderResults } from "./lib/report";
import { renderScaling, type ScalingPoint } from "./lib/scaling";
import { runSubmitClosed, runSubmitOpen } from "./lib/submit-path";
import { runOnTopology, TOPOLOGIES } from "./lib/topologies";
import { completedByWorker } from "./lib/worker-share";

const config = loadBenchConfig();
const cleanup = new Cleanup();
const startedAt = Date.now();
/** A fresh directory under BENCH_CPU_PROF for this run's profiles, when profiling. */
let profileRunDir: string | undefined;
const results: BenchResults = { bound: {}, e2e: {}, cfssl: { status: "" }, errors: [] };
const scaling: ScalingPoint[] = [];
let bulkRun: { single?: EndToEndResult; bulk?: BulkResult } | undefined;
const ocspRun: OcspResult[] = [];
let growthRun: { empty: GrowthPoint; grown: GrowthPoint } | undefined;
/** Certificates each OCSP responder answers for, cycled over by the load. */
const OCSP_CERTIFICATES = 50;

const progress = (message: string) =>
  process.stderr.write(
    `[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
  );

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void cleanup.run().finally(() => process.exit(130));
  });
}

/** Runs one part; a failure is recorded and reported, and the other parts still run. */
async function part<T>(label: string, run: () => Promise<T>): Promise<T | undefined> {
  progress(label);
  try {
    return await run();
  } catch (error) {
    const message = `${label}: ${(error as Error).message}`;
    results.errors.push(message);
    progress(`FAILED ${message}`);
    return undefined;
  }
}

/** A part that a zero count (BENCH_EC=0 and the like) turns off. */
function partIf<T>(enabled: boolean, label: string, run: () => Promise<T>) {
  return enabled ? part(label, run) : Promise.resolve(undefined);
}

/** Generous bounds on waiting for the last certificate; a stall of 30 s ends it sooner. */
const waitBound = (count: number, rsa: boolean) => 60_000 + count * (rsa ? 1_000 : 50);

async function endToEndRuns(stack: CertqStack, workers: 1 | 2) {
  const common = { stack, clients: config.clients };
  await runEndToEnd({
    ...common,
    label: `warm-up k${workers}`,
    keyAlgorithm: "EC_prime256v1",
    count: Math.min(200, config.ecRequests),
    timeoutMs: 60_000,
  });
  const ec = await partIf(
    config.ecRequests > 0,
    `end to end, ${workers} worker(s), ${config.ecRequests} EC`,
    () =>
      runEndToEnd({
        ...common,
        label: `k${workers} ec`,
        keyAlgorithm: "EC_prime256v1",
        count: config.ecRequests,
        timeoutMs: waitBound(config.ecRequests, false),
      }),
  );
  const rsa = await partIf(
    config.rsaRequests > 0,
    `end to end, ${workers} worker(s), ${config.rsaRequests} RSA`,
    () =>
      runEndToEnd({
        ...common,
        label: `k${workers} rsa`,
        keyAlgorithm: "RSA_2048",
        count: config.rsaRequests,
        timeoutMs: waitBound(config.rsaRequests, true),
      }),
  );
  return { ec, rsa };
}

/**
 * Starts workers and waits until they are idle: a fresh worker fills its RSA key pool (about
 * 3 s of CPU for the default 20 keys), which would otherwise be measured as part of the run.
 */
async function startSettledWorkers(
  stack: CertqStack,
  count: number,
  options: Parameters<CertqStack["startWorkers"]>[1] = {},
) {
  const workers = await stack.startWorkers(count, options);
  const settled = await waitUntilIdle(
    workers.map((w) => w.pid),
    60_000,
  );
  if (!settled) progress("workers did not settle within 60 s; measuring anyway");
  return workers;
}

/**
 * rsaBurst requests at once on two fresh workers: with `CERTQ_KEY_POOL: "none"` keys are made on
 * demand; with the default pool, the burst starts once both workers are idle (pools full).
 */
async function rsaBurst(stack: CertqStack, env: Record<string, string>) {
  await startSettledWorkers(stack, 2, { env });
  try {
    return await runEndToEnd({
      stack,
      label: env.CERTQ_KEY_POOL === "none" ? "rsa burst nopool" : "rsa burst pool",
      keyAlgorithm: "RSA_2048",
      count: config.rsaBurst,
      clients: config.rsaBurst,
      timeoutMs: waitBound(config.rsaBurst, true),
    });
  } finally {
    await stack.stopWorkers();
  }
}

async function certqParts(): Promise<void> {
  const profileDir = profileRunDir;
  if (profileDir) {
    await mkdir(join(profileDir, "worker"), { recursive: true });
    await mkdir(join(profileDir, "api"), { recursive: true });
  }
  const stack = await CertqStack.start({
    cleanup,
    workerConcurrency: config.workerConcurrency,
    apiCpuProfileDir: profileDir && join(profileDir, "api"),
  });
  progress(`certq API up (database ${stack.db.name}, queue prefix ${stack.prefix})`);

  if (config.parts.has("e2e")) await endToEndParts(stack, profileDir);
  if (config.parts.has("burst") && config.rsaBurst > 0) {
    results.burstWithoutPool = await part(`RSA burst of ${config.rsaBurst}, without pool`, () =>
      rsaBurst(stack, { CERTQ_KEY_POOL: "none" }),
    );
    results.burstWithPool = await part(`RSA burst of ${config.rsaBurst}, full pool`, () =>
      rsaBurst(stack, {}),
    );
  }
  if (config.parts.has("scale") && config.ecRequests > 0) await scalingParts(stack);
  if (config.parts.has("ocsp") && config.ocspRequests > 0) await ocspParts(stack);
  // Last: these leave requests pending that no worker will take.
  if (config.parts.has("submit")) await submitParts(stack);
  if (config.parts.has("bulk") && config.bulkRequests > 0) await bulkParts(stack);
}

/** End to end with one then two workers, the per-worker share, and the worker's profile. */
async function endToEndParts(stack: CertqStack, profileDir: string | undefined): Promise<void> {
  await startSettledWorkers(stack, 1);
  const k1 = await endToEndRuns(stack, 1);
  results.e2e.k1ec = k1.ec;
  results.e2e.k1rsa = k1.rsa;
  await stack.stopWorkers();

  const pair = await startSettledWorkers(stack, 2);
  const k2 = await endToEndRuns(stack, 2);
  results.e2e.k2ec = k2.ec;
  results.e2e.k2rsa = k2.rsa;
  await part("per-worker share", async () => {
    const names = pair.map((w) => CertqStack.workerName(w));
    const counts = await completedByWorker(stack.queue, names);
    results.share = names.map((n) => counts.get(n) ?? 0);
  });
  await stack.stopWorkers();

  if (profileDir) {
    await part(`CPU profile of one worker, ${config.ecRequests} EC`, async () => {
      await startSettledWorkers(stack, 1, { cpuProfileDir: join(profileDir, "worker") });
      // EC only, so the profile shows EC issuance (the profile is written at exit).
      await runEndToEnd({
        stack,
        clients: config.clients,
        label: "profile ec",
        keyAlgorithm: "EC_prime256v1",
        count: config.ecRequests,
        timeoutMs: waitBound(config.ecRequests, false),
      });
      await stack.stopWorkers();
    });
  }
}

/** The same EC certificates as single submissions (32 clients), then as batches of 1,000. */
/** certq's OCSP responder against openssl's and cfssl's, by the same load generator. */
async function ocspParts(stack: CertqStack): Promise<void> {
  const count = config.ocspRequests;
  const clients = config.clients;
  const certq = await part(`OCSP: certq, ${count} GETs`, () =>
    runCertqOcsp({ stack, certificates: OCSP_CERTIFICATES, count, clients }),
  );
  if (certq) ocspRun.push(certq);
  const references = await part(
    `OCSP: openssl ocsp -index and cfssl ocspserve, ${count} GETs each`,
    async () =>
      runReferenceOcsp({
        cfssl: await findCfssl(),
        certificates: OCSP_CERTIFICATES,
        count,
        clients,
        cleanup,
      }),
  );
  ocspRun.push(...(references ?? []));
}

/**
 * Issue #16.4: the same figures on a fresh database and after filling it to growthRows
 * certificates and requests (a tenth revoked), on a stack of its own.
 */
async function growthParts(): Promise<void> {
  const stack = await CertqStack.start({ cleanup, workerConcurrency: config.workerConcurrency });
  const measure = (label: string) =>
    measureGrowthPoint({
      stack,
      label,
      clients: config.clients,
      ecRequests: Math.min(config.ecRequests, 3_000),
      openRate: config.openRate,
      openSeconds: config.openSeconds,
      startWorkers: () => startSettledWorkers(stack, 1),
      progress,
    });
  const empty = await measure("empty");
  const profileId = await stack.createProfile("bench-growth-fill");
  const fill = await fillDatabase({
    db: stack.db,
    caId: stack.caId,
    profileId,
    rows: config.growthRows,
    progress,
  });
  progress(
    `growth: ${config.growthRows} rows (${fill.revoked} revoked) in ${fill.seconds.toFixed(0)} s`,
  );
  const grown = await measure("grown");
  growthRun = { empty, grown };
}

async function bulkParts(stack: CertqStack): Promise<void> {
  await startSettledWorkers(stack, 1);
  const count = config.bulkRequests;
  const single = await part(`bulk baseline: ${count} EC as single submissions`, () =>
    runEndToEnd({
      stack,
      clients: config.clients,
      label: "bulk baseline ec",
      keyAlgorithm: "EC_prime256v1",
      count,
      timeoutMs: waitBound(count, false),
    }),
  );
  const bulk = await part(`bulk: ${count} EC in batches of 1,000`, () =>
    runBulk({ stack, total: count, batchSize: 1_000, timeoutMs: waitBound(count, false) }),
  );
  bulkRun = { single, bulk };
  await stack.stopWorkers();
}

/** The worker-count scaling curve: EC end to end with 1, 2, 4 (BENCH_SCALE_WORKERS) workers. */
async function scalingParts(stack: CertqStack): Promise<void> {
  for (const count of config.scaleWorkers) {
    const point = await part(
      `scaling curve, ${count} worker(s), ${config.ecRequests} EC`,
      async (): Promise<ScalingPoint> => {
        const workers = await startSettledWorkers(stack, count);
        try {
          const common = { stack, clients: config.clients, keyAlgorithm: "EC_prime256v1" as const };
          await runEndToEnd({
            ...common,
            label: `warm-up scale k${count}`,
            count: Math.min(200, config.ecRequests),
            timeoutMs: 60_000,
          });
          const names = workers.map((w) => CertqStack.workerName(w));
          const before = await completedByWorker(stack.queue, names);
          const result = await runEndToEnd({
            ...common,
            label: `scale k${count}`,
            count: config.ecRequests,
            timeoutMs: waitBound(config.ecRequests, false),
          });
          const after = await completedByWorker(stack.queue, names);
          const share = names.map((n) => (after.get(n) ?? 0) - (before.get(n) ?? 0));
          return { workers: count, result, share };
        } finally {
          await stack.stopWorkers();
        }
      },
    );
    if (point) scaling.push(point);
  }
}

async function submitParts(stack: CertqStack): Promise<void> {
  results.submitClosed = await partIf(
    config.submitRequests > 0,
    `submit only, ${config.submitRequests} at concurrency ${config.submitConcurrency}`,
    () =>
      runSubmitClosed({
        stack,
        count: config.submitRequests,
        concurrency: config.submitConcurrency,
      }),
  );
  results.submitOpen = await part(
    `submit only, open loop ${config.openRate}/s for ${config.openSeconds} s`,
    () => runSubmitOpen({ stack, rate: config.openRate, seconds: config.openSeconds }),
  );
}

async function boundParts(): Promise<void> {
  const issuer = await createBoundIssuer();
  results.bound.ec = await part("bound, EC P-256", () =>
    measureBound({
      keyAlgorithm: "EC_prime256v1",
      seconds: config.boundSeconds,
      issuer,
      inFlight: config.boundInFlight,
    }),
  );
  results.bound.rsa = await part("bound, RSA-2048", () =>
    measureBound({
      keyAlgorithm: "RSA_2048",
      seconds: 2 * config.boundSeconds,
      issuer,
      inFlight: config.boundInFlight,
    }),
  );
}

/** One EC end-to-end run per Redis topology (private Sentinel group and Cluster). */
async function topologyParts(): Promise<void> {
  results.topologies = [];
  for (const name of TOPOLOGIES) {
    const result = await partIf(
      config.topologyRequests > 0,
      `Redis ${name}, 1 worker, ${config.topologyRequests} EC`,
      () =>
        runOnTopology({
          name,
          count: config.topologyRequests,
          clients: config.clients,
          workerConcurrency: config.workerConcurrency,
          timeoutMs: waitBound(config.topologyRequests, false),
        }),
    );
    results.topologies.push([name, result]);
  }
}

async function cfsslParts(): Promise<void> {
  const binary = await findCfssl();
  if (!binary) {
    results.cfssl.status = "cfssl: not installed (apt-get install golang-cfssl)";
    return;
  }
  results.cfssl.status = `cfssl at ${binary}`;
  const client = await startCfssl(binary, cleanup);
  const clients = config.clients;
  results.cfssl.ec = await partIf(
    config.ecRequests > 0,
    `cfssl newcert, ${config.ecRequests} EC`,
    () => runCfssl({ client, keyAlgorithm: "EC_prime256v1", count: config.ecRequests, clients }),
  );
  results.cfssl.rsa = await partIf(
    config.rsaRequests > 0,
    `cfssl newcert, ${config.rsaRequests} RSA`,
    () => runCfssl({ client, keyAlgorithm: "RSA_2048", count: config.rsaRequests, clients }),
  );
}

/** Top self time of the profiled worker (EC run) and of the API (whole run: submissions). */
async function profileLines(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const profiled = [
    [`one worker issuing ${config.ecRequests} EC`, "worker"],
    ["the API, whole run (mostly submissions)", "api"],
  ] as const;
  // The worker's profile comes from the end-to-end part only.
  for (const [what, sub] of profiled.filter(([, s]) => s !== "worker" || config.parts.has("e2e"))) {
    const profile = await summarizeCpuProfiles(join(dir, sub)).catch(() => undefined);
    if (!profile || profile.totalMs === 0) {
      lines.push("", `CPU profile of ${what}: none written`);
      continue;
    }
    const row = (f: { share: number; name: string }) =>
      `  ${(100 * f.share).toFixed(1).padStart(5)} %  ${f.name}`;
    lines.push(
      "",
      `CPU profile of ${what} (main thread, ${profile.totalMs.toFixed(0)} ms sampled), top self time:`,
      ...profile.functions.map(row),
      "  by origin:",
      ...profile.origins.map(row),
    );
  }
  return lines;
}

async function main(): Promise<number> {
  const machine = describeMachine();
  const loadBefore = loadavg()[0] ?? 0;
  const cpuReport = startCpuAccounting();
  progress(machineLine(machine));
  if (config.cpuProfileDir) {
    await mkdir(config.cpuProfileDir, { recursive: true });
    profileRunDir = await mkdtemp(join(config.cpuProfileDir, "run-"));
  }
  const { parts } = config;
  try {
    if (parts.has("bound")) await boundParts();
    if (
      ["e2e", "burst", "scale", "submit", "bulk", "ocsp"].some((p) => parts.has(p as BenchPart))
    ) {
      await part("certq processes", certqParts);
      await cleanup.run();
    }
    if (parts.has("growth") && config.growthRows > 0) {
      await part("data growth", growthParts);
      await cleanup.run();
    }
    if (parts.has("topology")) await topologyParts();
    if (parts.has("cfssl")) await part("cfssl", cfsslParts);
  } finally {
    progress("cleaning up");
    await cleanup.run();
  }
  const seconds = (Date.now() - startedAt) / 1000;
  const lines = [
    "",
    `certq bench, ${new Date(startedAt).toISOString()}`,
    machineLine(machine),
    `parts: ${[...parts].join(",")}; settings: ${config.ecRequests} EC / ${config.rsaRequests} RSA requests, ${config.clients} clients, ` +
      `worker concurrency ${config.workerConcurrency}, bound ${config.boundSeconds} s (RSA ${2 * config.boundSeconds} s); ` +
      `load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after; took ${seconds.toFixed(0)} s`,
    cpuReport(),
    "issued = the request row's updated_at, found by polling Postgres every 100 ms; latencies from the client's send",
    "",
    ...(["bound", "e2e", "burst", "submit", "topology", "cfssl"].some((p) =>
      parts.has(p as BenchPart),
    )
      ? [renderResults(results, config.clients, config.openRate)]
      : []),
    ...(scaling.length > 0 ? ["", renderScaling(scaling, config.clients)] : []),
    ...(bulkRun ? ["", renderBulk(bulkRun.single, bulkRun.bulk, config.clients)] : []),
    ...(ocspRun.length > 0 ? ["", renderOcsp(ocspRun, config.clients)] : []),
    ...(growthRun ? ["", renderGrowth(growthRun.empty, growthRun.grown)] : []),
    "",
    results.cfssl.status,
    ...results.errors.map((e) => `ERROR ${e}`),
  ];
  if (profileRunDir) {
    lines.push("", `CPU profiles in ${profileRunDir}`, ...(await profileLines(profileRunDir)));
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return results.errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error);
    await cleanup.run();
    process.exit(1);
  },
);
