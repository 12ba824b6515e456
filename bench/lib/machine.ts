import { readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  memoryGiB: number;
}

export function describeMachine(): Machine {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown CPU",
    node: process.version,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

export function machineLine(m: Machine): string {
  return `machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}, ${process.platform}-${process.arch}`;
}

/** CPU seconds from /proc (Linux): the whole host, and this process with its reaped children. */
interface CpuSnapshot {
  hostBusy: number;
  hostTotal: number;
  own: number;
}

const TICKS_PER_SECOND = 100;

function readCpu(): CpuSnapshot | undefined {
  try {
    const stat = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const ticks = stat.trim().split(/\s+/).slice(1).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    // /proc/self/stat: fields 14-17 are utime, stime, cutime, cstime (after the "(comm)").
    const self = readFileSync("/proc/self/stat", "utf8");
    const fields = self.slice(self.lastIndexOf(")") + 2).split(" ");
    const own = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    return {
      hostBusy: (total - idle) / TICKS_PER_SECOND,
      hostTotal: total / TICKS_PER_SECOND,
      own: own / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

/**
 * How busy the host was between start() and the returned function's call, and how much
 * of that was not this benchmark's own process tree (children count once they exited):
 * Postgres and Redis working for us are in "others", as are unrelated processes.
 */
export function startCpuAccounting(): () => string {
  const before = readCpu();
  return () => {
    const after = readCpu();
    if (!before || !after) return "host CPU accounting unavailable";
    const wall = after.hostTotal - before.hostTotal;
    const busy = after.hostBusy - before.hostBusy;
    const own = after.own - before.own;
    const pct = (x: number) => `${Math.round((100 * x) / Math.max(wall, 1e-9))} %`;
    return `host CPU busy ${pct(busy)} of all cores: bench processes ${pct(own)}, others (Postgres, Redis, anything else) ${pct(Math.max(0, busy - own))}`;
  };
}
