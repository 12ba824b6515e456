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
