import type { CertqStack } from "./certq-stack";
import { type CpuCost, perUnit, withCpu } from "./cpu-cost";
import type { EndToEndResult } from "./end-to-end";
import { IssuedWatch } from "./issued-watch";
import { cpuNote } from "./report";
import { type Latency, latency } from "./stats";
import { fmt, ratio, renderTable } from "./table";

export const BULK_PATH = "/api/v1/cert-manager/certificates/bulk";

export interface BulkResult {
  total: number;
  batchSize: number;
  accepted: number;
  issued: number;
  /** Issued certificates per second, first batch sent to last issued. */
  perSecond: number;
  /** One sample per batch: its request's round trip. */
  batchRoundTrip: Latency;
  cpuMsPerIssued: CpuCost;
}

/**
 * `total` EC P-256 requests as batches of `batchSize`, sent one batch after another by one
 * client (a fleet provisioner), then waits until Postgres shows each issued.
 */
export async function runBulk(args: {
  stack: CertqStack;
  total: number;
  batchSize: number;
  timeoutMs: number;
}): Promise<BulkResult> {
  const { stack } = args;
  const profileId = await stack.createProfile(`bench-bulk-${Date.now().toString(36)}`);
  await stack.settleDatabase();
  const watch = new IssuedWatch(stack.db, profileId, Date.now());
  const firstSent = Date.now();
  const roundTrips: number[] = [];
  const {
    value: { ids, unfinished },
    cpuMs,
  } = await withCpu(stack, async () => {
    const ids: string[] = [];
    await watch.during(
      (async () => {
        for (let start = 0; start < args.total; start += args.batchSize) {
          const requests = Array.from(
            { length: Math.min(args.batchSize, args.total - start) },
            (_, i) => {
              const name = `bulk-${start + i}.example.test`;
              return {
                profileId,
                commonName: name,
                altNames: [{ type: "dns_name", value: name }],
                keyAlgorithm: "EC_prime256v1",
              };
            },
          );
          const sent = Date.now();
          const res = await stack.api.send("POST", BULK_PATH, { requests });
          roundTrips.push(Date.now() - sent);
          if (res.status !== 202)
            throw new Error(`bulk HTTP ${res.status}: ${res.text.slice(0, 200)}`);
          const body = JSON.parse(res.text) as { results: { certificateRequestId?: string }[] };
          for (const r of body.results)
            if (r.certificateRequestId) ids.push(r.certificateRequestId);
        }
      })(),
    );
    return { ids, unfinished: await watch.waitFor(ids, args.timeoutMs) };
  });
  let lastIssued = firstSent;
  let issued = 0;
  for (const id of ids) {
    const outcome = watch.outcomes.get(id);
    if (outcome?.status !== "issued") continue;
    issued++;
    lastIssued = Math.max(lastIssued, outcome.at);
  }
  if (unfinished > 0) throw new Error(`${unfinished} bulk requests still pending`);
  return {
    total: args.total,
    batchSize: args.batchSize,
    accepted: ids.length,
    issued,
    perSecond: issued / ((lastIssued - firstSent) / 1000),
    batchRoundTrip: latency(roundTrips),
    cpuMsPerIssued: perUnit(cpuMs, issued),
  };
}

/** The bulk part's table: the same certificates as single submissions and as batches. */
export function renderBulk(
  single: EndToEndResult | undefined,
  bulk: BulkResult | undefined,
  clients: number,
): string {
  const rows = [
    [
      `single submissions, ${single?.requested ?? "-"} by ${clients} clients`,
      fmt(single?.issued),
      fmt(single?.perSecond),
      "",
      single ? cpuNote(single.cpuMsPerIssued) : "",
    ],
    [
      `bulk, ${bulk ? bulk.total / bulk.batchSize : "-"} batches of ${bulk?.batchSize ?? "-"}`,
      fmt(bulk?.issued),
      fmt(bulk?.perSecond),
      bulk ? `p50 ${fmt(bulk.batchRoundTrip.p50)}, p99 ${fmt(bulk.batchRoundTrip.p99)}` : "",
      bulk ? cpuNote(bulk.cpuMsPerIssued) : "",
    ],
    ["ratio: bulk / single", "", ratio(bulk?.perSecond, single?.perSecond), "", "target >= 1.5x"],
  ];
  return [
    "bulk submission: EC P-256 end to end, 1 worker",
    renderTable(
      ["measurement", "issued", "issued /s", "batch round trip ms", "CPU per certificate"],
      rows,
    ),
  ].join("\n");
}
