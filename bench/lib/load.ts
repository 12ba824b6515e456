import { epochMs, sleep } from "./stats";

/** One request of a load run; times are epoch milliseconds. */
export interface Sample {
  index: number;
  /** When the request was sent (closed loop) or due (open loop). */
  start: number;
  end: number;
  ok: boolean;
  /** Whatever the sender extracted from a successful response (a request ID). */
  id?: string;
  error?: string;
}

/** What one request does; resolves with the ID it got, or throws/returns ok false. */
export type Send = (index: number) => Promise<{ ok: boolean; id?: string; error?: string }>;

async function timed(index: number, start: number, send: Send): Promise<Sample> {
  try {
    const result = await send(index);
    return { index, start, end: epochMs(), ...result };
  } catch (error) {
    return { index, start, end: epochMs(), ok: false, error: (error as Error).message };
  }
}

/** `count` requests by `concurrency` clients, each sending its next request on completion. */
export async function closedLoop(args: {
  count: number;
  concurrency: number;
  send: Send;
}): Promise<Sample[]> {
  const samples: Sample[] = [];
  let next = 0;
  const client = async () => {
    for (let index = next++; index < args.count; index = next++) {
      samples.push(await timed(index, epochMs(), args.send));
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency, args.count) }, client));
  return samples.sort((a, b) => a.index - b.index);
}

/**
 * Open loop: requests are due at a fixed rate whatever the answers do, and each latency is
 * counted from its due time (no coordinated omission). Sends from a 2 ms tick.
 */
export async function openLoop(args: {
  rate: number;
  seconds: number;
  send: Send;
}): Promise<Sample[]> {
  const total = Math.round(args.rate * args.seconds);
  const interval = 1000 / args.rate;
  const t0 = epochMs() + 20;
  const inFlight: Promise<Sample>[] = [];
  let sent = 0;
  while (sent < total) {
    const now = epochMs();
    while (sent < total && t0 + sent * interval <= now) {
      inFlight.push(timed(sent, t0 + sent * interval, args.send));
      sent++;
    }
    await sleep(2);
  }
  return Promise.all(inFlight);
}

/** Completed requests per second over the run (first start to last end). */
export function throughput(samples: readonly Sample[]): number {
  const ok = samples.filter((s) => s.ok);
  if (ok.length === 0) return 0;
  const first = Math.min(...samples.map((s) => s.start));
  const last = Math.max(...ok.map((s) => s.end));
  return (ok.length / (last - first)) * 1000;
}

export function firstError(samples: readonly Sample[]): string | undefined {
  return samples.find((s) => !s.ok)?.error;
}
