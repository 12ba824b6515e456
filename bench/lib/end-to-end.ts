import type { KeyAlgorithm } from "@certq/pki";
import type { CertqStack } from "./certq-stack";
import { type CpuCost, perUnit, withCpu } from "./cpu-cost";
import { IssuedWatch } from "./issued-watch";
import { closedLoop, firstError, type Sample } from "./load";
import { type Latency, latency } from "./stats";
import { certqSubmitter } from "./submit";

export interface EndToEndResult {
  label: string;
  keyAlgorithm: KeyAlgorithm;
  requested: number;
  accepted: number;
  issued: number;
  failed: number;
  /** Still pending when the wait ended (should be 0). */
  unfinished: number;
  /** Issued certificates per second, first submit to last issued. */
  perSecond: number;
  submit: Latency;
  submitToIssued: Latency;
  seconds: number;
  /** CPU ms per issued certificate, by process, from the first submit to the last issued. */
  cpuMsPerIssued: CpuCost;
  error?: string;
}

/**
 * M requests by C keep-alive clients against the running stack, then waits (bounded) until
 * Postgres shows every accepted request issued or failed.
 */
export async function runEndToEnd(args: {
  stack: CertqStack;
  label: string;
  keyAlgorithm: KeyAlgorithm;
  count: number;
  clients: number;
  /** Overall bound on waiting for the last certificate. */
  timeoutMs: number;
}): Promise<EndToEndResult> {
  const { stack } = args;
  const tag = args.label.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
  const profileId = await stack.createProfile(`bench-${tag}-${Date.now().toString(36)}`);
  await stack.settleDatabase();
  const watch = new IssuedWatch(stack.db, profileId, Date.now());
  const send = certqSubmitter({ api: stack.api, profileId, keyAlgorithm: args.keyAlgorithm, tag });
  const {
    value: { samples, unfinished },
    cpuMs,
  } = await withCpu(stack, async () => {
    const samples: Sample[] = await watch.during(
      closedLoop({ count: args.count, concurrency: args.clients, send }),
    );
    const ids = samples.filter((s) => s.ok && s.id).map((s) => s.id as string);
    return { samples, unfinished: await watch.waitFor(ids, args.timeoutMs) };
  });
  const accepted = samples.filter((s) => s.ok && s.id);

  const firstSubmit = Math.min(...samples.map((s) => s.start));
  let lastIssued = firstSubmit;
  let issued = 0;
  let failed = 0;
  const toIssued: number[] = [];
  for (const s of accepted) {
    const outcome = watch.outcomes.get(s.id as string);
    if (!outcome) continue;
    if (outcome.status === "failed") {
      failed++;
      continue;
    }
    issued++;
    toIssued.push(outcome.at - s.start);
    lastIssued = Math.max(lastIssued, outcome.at);
  }
  const seconds = (lastIssued - firstSubmit) / 1000;
  return {
    label: args.label,
    keyAlgorithm: args.keyAlgorithm,
    requested: args.count,
    accepted: accepted.length,
    issued,
    failed,
    unfinished,
    perSecond: seconds > 0 ? issued / seconds : 0,
    submit: latency(accepted.map((s) => s.end - s.start)),
    submitToIssued: latency(toIssued),
    seconds,
    cpuMsPerIssued: perUnit(cpuMs, issued),
    error: firstError(samples),
  };
}
