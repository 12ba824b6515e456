import type { CertqStack } from "./certq-stack";
import { type CpuCost, perUnit, withCpu } from "./cpu-cost";
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
  /** CPU time (user + system, ms) per accepted request: the API, PostgreSQL, Redis, bench. */
  cpuMsPerAccepted: CpuCost;
  error?: string;
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
    cpuMsPerAccepted: perUnit(cpu, ok.length),
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
  await args.stack.settleDatabase();
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
  await args.stack.settleDatabase();
  const { value: samples, cpuMs } = await withCpu(args.stack, () =>
    openLoop({ rate: args.rate, seconds: args.seconds, send }),
  );
  return summarize("open", args.rate, samples, cpuMs);
}
