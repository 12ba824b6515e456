import type { CpuCost } from "./cpu-cost";
import type { EndToEndResult } from "./end-to-end";
import { fmt, ratio, renderTable } from "./table";

/** One point of the worker-count scaling curve: EC P-256 end to end with K worker processes. */
export interface ScalingPoint {
  workers: number;
  result: EndToEndResult;
  /** Requests of the measured run each worker issued (by the jobs' processedBy). */
  share: number[];
}

const HEADERS = [
  "worker processes",
  "n",
  "issued /s",
  "vs 1 worker",
  "submit p50 ms",
  "submit p99 ms",
  "issued p99 ms",
  "share per worker",
  "CPU ms per certificate",
];

const cpu = (c: CpuCost) =>
  [
    ["API", c.api],
    ["workers", c.workers],
    ["Postgres", c.postgres],
    ["Redis", c.redis],
  ]
    .filter((p): p is [string, number] => p[1] !== undefined)
    .map(([name, ms]) => `${name} ${fmt(ms)}`)
    .join(", ");

/** The curve as its own table: what each added worker process buys, and what it costs. */
export function renderScaling(points: readonly ScalingPoint[], clients: number): string {
  const base = points.find((p) => p.workers === 1)?.result.perSecond;
  const rows = points.map(({ workers, result, share }) => {
    const total = share.reduce((a, b) => a + b, 0);
    const problems = [
      result.failed ? `${result.failed} failed` : "",
      result.unfinished ? `${result.unfinished} unfinished` : "",
    ].filter(Boolean);
    return [
      String(workers),
      String(result.issued),
      fmt(result.perSecond),
      ratio(result.perSecond, base),
      fmt(result.submit.p50),
      fmt(result.submit.p99),
      fmt(result.submitToIssued.p99),
      total > 0 ? share.map((n) => `${((100 * n) / total).toFixed(0)}%`).join("/") : "n/a",
      [cpu(result.cpuMsPerIssued), ...problems].filter(Boolean).join("; "),
    ];
  });
  return [
    `worker-count scaling curve: EC P-256 end to end, ${clients} clients, one API process`,
    renderTable(HEADERS, rows),
  ].join("\n");
}
