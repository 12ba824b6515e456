import { readdirSync, readFileSync } from "node:fs";
import type { CertqStack } from "./certq-stack";
import { closedLoop, firstError, openLoop, type Sample, throughput } from "./load";
import { type Latency, latency } from "./stats";
import { certqSubmitter } from "./submit";

export interface SubmitPathResult {
  mode: "closed" | "open";
  /** Closed: concurrency; open: offered requests per second. */
  load: number;
  requests: number;
  accepted: number;
  /** Accepted requests per second. */
  perSecond: number;
  latency: Latency;
  /** CPU time (user + system, ms) per accepted request: the API, PostgreSQL and Redis. */
  cpuMsPerAccepted: CpuCost;
  error?: string;
}

/** CPU time (user + system, ms) of a process from /proc/<pid>/stat; undefined if gone or off Linux. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm) ": utime and stime are the 12th and 13th, in 1/100 s ticks.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU ms so far of the API process and of every PostgreSQL and Redis server process. */
function cpuSnapshot(apiPid: number) {
  const snapshot = { api: new Map<number, number>(), postgres: new Map(), redis: new Map() };
  const api = processCpuMs(apiPid);
  if (api !== undefined) snapshot.api.set(apiPid, api);
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      let comm: string;
      try {
        comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      } catch {
        continue;
      }
      const kind = comm === "postgres" ? "postgres" : comm === "redis-server" ? "redis" : undefined;
      const ms = kind && processCpuMs(pid);
      if (kind && ms !== undefined) snapshot[kind].set(pid, ms);
    }
  } catch {}
  return snapshot;
}

export interface CpuCost {
  api?: number;
  postgres?: number;
  redis?: number;
}

/**
 * Runs a load and measures the CPU time the API process, PostgreSQL and Redis spent over it.
 * A server process that started meanwhile (a pool opening connections) counts whole; one
 * that ended is lost. The servers are the host's: other users' queries count too.
 */
async function withCpu<T>(stack: CertqStack, run: () => Promise<T>) {
  const before = cpuSnapshot(stack.apiPid());
  const value = await run();
  const after = cpuSnapshot(stack.apiPid());
  const spent = (kind: keyof CpuCost) => {
    if (after[kind].size === 0) return undefined;
    let ms = 0;
    for (const [pid, total] of after[kind]) ms += total - (before[kind].get(pid) ?? 0);
    return ms;
  };
  return {
    value,
    cpuMs: { api: spent("api"), postgres: spent("postgres"), redis: spent("redis") },
  };
}

function summarize(
  mode: SubmitPathResult["mode"],
  load: number,
  samples: Sample[],
  cpu: CpuCost,
): SubmitPathResult {
  const ok = samples.filter((s) => s.ok);
  return {
    mode,
    load,
    requests: samples.length,
    accepted: ok.length,
    perSecond: throughput(samples),
    // Failed requests count too: a 500 after 2 s is part of what a client sees.
    latency: latency(samples.map((s) => s.end - s.start)),
    cpuMsPerAccepted: Object.fromEntries(
      Object.entries(cpu).map(([k, ms]) => [
        k,
        ms !== undefined && ok.length > 0 ? ms / ok.length : undefined,
      ]),
    ),
    error: firstError(samples),
  };
}

/** Submissions only (no worker runs): closed loop at fixed concurrency. */
export async function runSubmitClosed(args: {
  stack: CertqStack;
  count: number;
  concurrency: number;
}): Promise<SubmitPathResult> {
  const profileId = await args.stack.createProfile(`bench-submit-closed-${Date.now()}`);
  const send = certqSubmitter({
    api: args.stack.api,
    profileId,
    keyAlgorithm: "EC_prime256v1",
    tag: "submit-closed",
  });
  const { value: samples, cpuMs } = await withCpu(args.stack, () =>
    closedLoop({ count: args.count, concurrency: args.concurrency, send }),
  );
  return summarize("closed", args.concurrency, samples, cpuMs);
}

/** Submissions only: open loop offering a fixed rate; latency from each due time. */
export async function runSubmitOpen(args: {
  stack: CertqStack;
  rate: number;
  seconds: number;
}): Promise<SubmitPathResult> {
  const profileId = await args.stack.createProfile(`bench-submit-open-${Date.now()}`);
  const send = certqSubmitter({
    api: args.stack.api,
    profileId,
    keyAlgorithm: "EC_prime256v1",
    tag: "submit-open",
  });
  const { value: samples, cpuMs } = await withCpu(args.stack, () =>
    openLoop({ rate: args.rate, seconds: args.seconds, send }),
  );
  return summarize("open", args.rate, samples, cpuMs);
}
