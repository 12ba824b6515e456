/** Every knob of the benchmark, read once from the environment (all optional). */
export interface BenchConfig {
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
  /** When set, the one-worker run is profiled with --cpu-prof into this directory. */
  cpuProfileDir: string | undefined;
}

function intFromEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

export function loadBenchConfig(): BenchConfig {
  return {
    ecRequests: intFromEnv("BENCH_EC", 3_000),
    rsaRequests: intFromEnv("BENCH_RSA", 200),
    clients: intFromEnv("BENCH_CLIENTS", 32, 1),
    workerConcurrency: intFromEnv("BENCH_WORKER_CONCURRENCY", 16, 1),
    boundSeconds: intFromEnv("BENCH_BOUND_SECONDS", 5, 1),
    boundInFlight: intFromEnv("BENCH_BOUND_IN_FLIGHT", 2, 1),
    submitRequests: intFromEnv("BENCH_SUBMIT", 3_000),
    submitConcurrency: intFromEnv("BENCH_SUBMIT_CONCURRENCY", 64, 1),
    openRate: intFromEnv("BENCH_OPEN_RATE", 500, 1),
    openSeconds: intFromEnv("BENCH_OPEN_SECONDS", 5, 1),
    rsaBurst: intFromEnv("BENCH_RSA_BURST", 20),
    cpuProfileDir: process.env.BENCH_CPU_PROF || undefined,
  };
}
