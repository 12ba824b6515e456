import { readdirSync, readFileSync } from "node:fs";
import type { CertqStack } from "./certq-stack";
import { processCpuMs } from "./processes";

/** CPU ms, by who spent it, over a measured run. */
export interface CpuCost {
  api?: number;
  workers?: number;
  postgres?: number;
  redis?: number;
  /** This process: the load generator and the issued-watch. */
  bench?: number;
}
type Kind = keyof CpuCost;

function snapshot(stack: CertqStack): Record<Kind, Map<number, number>> {
  const snap: Record<Kind, Map<number, number>> = {
    api: new Map(),
    workers: new Map(),
    postgres: new Map(),
    redis: new Map(),
    bench: new Map(),
  };
  const own = process.cpuUsage();
  snap.bench.set(process.pid, (own.user + own.system) / 1000);
  const add = (kind: Kind, pid: number) => {
    const ms = processCpuMs(pid);
    if (ms !== undefined) snap[kind].set(pid, ms);
  };
  add("api", stack.apiPid());
  for (const pid of stack.workerPids()) add("workers", pid);
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let comm: string;
      try {
        comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      } catch {
        continue;
      }
      if (comm === "postgres") add("postgres", Number(entry));
      else if (comm === "redis-server") add("redis", Number(entry));
    }
  } catch {}
  return snap;
}

/**
 * Runs a load and measures the CPU time the API, the running workers, PostgreSQL, Redis and
 * the bench itself spent over it. A server process that started meanwhile (a pool opening
 * connections) counts whole; one that ended is lost. The servers are the host's: other
 * users' queries count too.
 */
export async function withCpu<T>(
  stack: CertqStack,
  run: () => Promise<T>,
): Promise<{ value: T; cpuMs: CpuCost }> {
  const before = snapshot(stack);
  const value = await run();
  const after = snapshot(stack);
  const cpuMs: CpuCost = {};
  for (const kind of Object.keys(after) as Kind[]) {
    if (after[kind].size === 0) continue;
    let ms = 0;
    for (const [pid, total] of after[kind]) ms += total - (before[kind].get(pid) ?? 0);
    cpuMs[kind] = ms;
  }
  return { value, cpuMs };
}

/** CPU ms per unit (accepted request, issued certificate). */
export function perUnit(cpu: CpuCost, units: number): CpuCost {
  return Object.fromEntries(
    Object.entries(cpu).map(([kind, ms]) => [kind, units > 0 ? ms / units : undefined]),
  );
}
