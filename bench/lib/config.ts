/** The parts of a run, in the order they run; BENCH_PARTS picks some of them. */
export const BENCH_PARTS = [
  "bound",
  "e2e",
  "burst",
  "scale",
  "submit",
  "bulk",
  "ocsp",
  "growth",
  "topology",
  "cfssl",
] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

/** Every knob of the benchmark, read once from the environment (all optional). */
export interface BenchConfig {
  /** Which parts run (BENCH_PARTS, a comma list; default all). */
  parts: ReadonlySet<BenchPart>;
  /** EC_prime256v1 requests per end-to-end run. */
  ecRequests: number;
  /** RSA_2048 requests per end-to-end run. */
  rsaRequests: number;
  /** Concurrent HTTP clients of the end-to-end and cfssl runs. */
  clients: number;
  /** CERTQ_WORKER_CONCURRENCY of each worker process. */
  workerConcurrency: number;
  /** Seconds each in-process bound run measures (EC; RSA runs twice as long). */
  boundSeconds: number;
  /** Certificates each bound thread keeps in flight (keygen and signing are async). */
  boundInFlight: number;
  /** Submit-path run without workers: requests and concurrency. */
  submitRequests: number;
  submitConcurrency: number;
  /** Open-loop submit run: offered rate and duration. */
  openRate: number;
  openSeconds: number;
  /** Requests of the RSA burst. */
  rsaBurst: number;
  /** EC_prime256v1 requests of each Redis topology run (single node, Sentinel, Cluster). */
  topologyRequests: number;
  /** Worker-process counts of the scaling curve (BENCH_SCALE_WORKERS, default 1,2,4). */
  scaleWorkers: number[];
  /** EC_prime256v1 requests of the bulk part, as singles and as batches of 1,000 (BENCH_BULK_EC). */
  bulkRequests: number;
  /** OCSP GETs per responder (certq, openssl ocsp -index, cfssl ocspserve) (BENCH_OCSP). */
  ocspRequests: number;
  /** Certificates (and requests) the data-growth part writes, a tenth revoked (BENCH_GROWTH_ROWS). */
  growthRows: number;
  /** When set, the API (and, with e2e, one extra worker run) is profiled into this directory. */
  cpuProfileDir: string | undefined;
}

type Env = Record<string, string | undefined>;

/** BENCH_PARTS: a comma list of part names (any order, spaces allowed); unset or empty, all. */
export function parseBenchParts(raw: string | undefined): ReadonlySet<BenchPart> {
  const names = (raw ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) return new Set(BENCH_PARTS);
  const known = new Set<string>(BENCH_PARTS);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_PARTS: unknown part(s) ${unknown.join(", ")}; choose from ${BENCH_PARTS.join(",")}`,
    );
  }
  return new Set(names as BenchPart[]);
}

/** BENCH_SCALE_WORKERS: a comma list of worker-process counts, each 1..16. */
export function parseWorkerCounts(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === "") return [1, 2, 4];
  const counts = raw.split(",").map((part) => Number(part.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) {
    throw new Error(`BENCH_SCALE_WORKERS must be a comma list of integers 1..16, got "${raw}"`);
  }
  return [...new Set(counts)];
}

function intFromEnv(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

export function loadBenchConfig(env: Env = process.env): BenchConfig {
  return {
    parts: parseBenchParts(env.BENCH_PARTS),
    ecRequests: intFromEnv(env, "BENCH_EC", 3_000),
    rsaRequests: intFromEnv(env, "BENCH_RSA", 200),
    clients: intFromEnv(env, "BENCH_CLIENTS", 32, 1),
    workerConcurrency: intFromEnv(env, "BENCH_WORKER_CONCURRENCY", 64, 1),
    boundSeconds: intFromEnv(env, "BENCH_BOUND_SECONDS", 5, 1),
    boundInFlight: intFromEnv(env, "BENCH_BOUND_IN_FLIGHT", 2, 1),
    submitRequests: intFromEnv(env, "BENCH_SUBMIT", 3_000),
    submitConcurrency: intFromEnv(env, "BENCH_SUBMIT_CONCURRENCY", 64, 1),
    openRate: intFromEnv(env, "BENCH_OPEN_RATE", 500, 1),
    openSeconds: intFromEnv(env, "BENCH_OPEN_SECONDS", 5, 1),
    rsaBurst: intFromEnv(env, "BENCH_RSA_BURST", 20),
    topologyRequests: intFromEnv(env, "BENCH_TOPOLOGY_EC", 1_000),
    scaleWorkers: parseWorkerCounts(env.BENCH_SCALE_WORKERS),
    bulkRequests: intFromEnv(env, "BENCH_BULK_EC", 10_000),
    ocspRequests: intFromEnv(env, "BENCH_OCSP", 20_000),
    growthRows: intFromEnv(env, "BENCH_GROWTH_ROWS", 1_000_000),
    cpuProfileDir: env.BENCH_CPU_PROF || undefined,
  };
}
