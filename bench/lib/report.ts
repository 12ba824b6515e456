import type { BoundResult } from "./bound";
import type { CfsslResult } from "./cfssl";
import type { CpuCost } from "./cpu-cost";
import type { EndToEndResult } from "./end-to-end";
import type { Latency } from "./stats";
import type { SubmitPathResult } from "./submit-path";
import { fmt, ratio, renderTable } from "./table";

export interface BenchResults {
  bound: { ec?: BoundResult; rsa?: BoundResult };
  e2e: {
    k1ec?: EndToEndResult;
    k1rsa?: EndToEndResult;
    k2ec?: EndToEndResult;
    k2rsa?: EndToEndResult;
  };
  /** Jobs completed by each of the two workers of the K=2 runs. */
  share?: number[];
  burstWithoutPool?: EndToEndResult;
  burstWithPool?: EndToEndResult;
  submitClosed?: SubmitPathResult;
  submitOpen?: SubmitPathResult;
  cfssl: { status: string; ec?: CfsslResult; rsa?: CfsslResult };
  /** The same EC run on each Redis topology, by topology name. */
  topologies?: [string, EndToEndResult | undefined][];
  errors: string[];
}

const HEADERS = [
  "measurement",
  "key",
  "n",
  "rate /s",
  "submit p50 ms",
  "submit p99 ms",
  "issued p50 ms",
  "issued p99 ms",
  "note",
];

const POOL_NOTE = "default key pool (20 per worker) covers the first keys";
const short = (key: string) => (key === "EC_prime256v1" ? "EC P-256" : key.replace("_", "-"));
const lat = (l: Latency | undefined) => [fmt(l?.p50), fmt(l?.p99)];

function boundRow(b: BoundResult | undefined, key: string): string[] {
  if (!b) return [`bound: pki in-process`, key, "", "n/a", "", "", "", "", "not measured"];
  return [
    `bound: pki in-process, ${b.threads} threads`,
    short(b.keyAlgorithm),
    String(b.certificates),
    fmt(b.perSecond),
    "",
    "",
    "",
    "",
    `${b.seconds} s window, ${b.inFlight} in flight per thread`,
  ];
}

function e2eRow(label: string, r: EndToEndResult | undefined, key: string, note = ""): string[] {
  if (!r) return [label, key, "", "n/a", "", "", "", "", "not measured"];
  const problems = [
    r.failed ? `${r.failed} failed` : "",
    r.unfinished ? `${r.unfinished} unfinished` : "",
    r.accepted < r.requested ? `${r.requested - r.accepted} refused (${r.error ?? "?"})` : "",
  ].filter(Boolean);
  return [
    label,
    short(r.keyAlgorithm),
    String(r.issued),
    fmt(r.perSecond),
    ...lat(r.submit),
    ...lat(r.submitToIssued),
    [note, cpuNote(r.cpuMsPerIssued), ...problems].filter(Boolean).join("; "),
  ];
}

/** CPU ms per unit of the API, workers, the (host's) PostgreSQL and Redis, and the bench. */
export function cpuNote(cpu: CpuCost): string {
  const parts = [
    ["API", cpu.api],
    ["workers", cpu.workers],
    ["Postgres", cpu.postgres],
    ["Redis", cpu.redis],
    ["bench", cpu.bench],
  ].filter((p): p is [string, number] => p[1] !== undefined);
  if (parts.length === 0) return "";
  return `CPU ms each: ${parts.map(([name, ms]) => `${name} ${fmt(ms)}`).join(", ")}`;
}

function submitRow(label: string, r: SubmitPathResult | undefined, note: string): string[] {
  if (!r) return [label, "EC P-256", "", "n/a", "", "", "", "", "not measured"];
  const refused = r.requests - r.accepted;
  return [
    label,
    "EC P-256",
    String(r.accepted),
    fmt(r.perSecond),
    ...lat(r.latency),
    "",
    "",
    [
      note,
      cpuNote(r.cpuMsPerAccepted),
      refused ? `${refused} not accepted (${r.error ?? "?"})` : "",
    ]
      .filter(Boolean)
      .join("; "),
  ];
}

function cfsslRow(r: CfsslResult | undefined, key: string, status: string): string[] {
  if (!r) return ["peer: cfssl serve newcert", key, "", "n/a", "", "", "", "", status];
  const failed = r.requests - r.ok;
  return [
    "peer: cfssl serve newcert",
    short(r.keyAlgorithm),
    String(r.ok),
    fmt(r.perSecond),
    ...lat(r.latency),
    ...lat(r.latency),
    ["synchronous (submit = issued)", failed ? `${failed} failed (${r.error ?? "?"})` : ""]
      .filter(Boolean)
      .join("; "),
  ];
}

function ratioRow(label: string, key: string, value: string, note = ""): string[] {
  return [label, key, "", value, "", "", "", "", note];
}

/** The one table of a run. */
export function renderResults(r: BenchResults, clients: number, openTarget: number): string {
  const { bound, e2e, cfssl } = r;
  const rate = (x: { perSecond: number } | undefined) => x?.perSecond;
  const shareTotal = (r.share ?? []).reduce((a, b) => a + b, 0);
  const shares = (r.share ?? []).map((n) => (shareTotal > 0 ? (100 * n) / shareTotal : Number.NaN));
  const open = r.submitOpen;
  const openVerdict = open
    ? `target p99 < 15 ms at ${openTarget}/s: ${open.latency.p99 < 15 ? "met" : "MISSED"}`
    : "";
  const rows: string[][] = [
    boundRow(bound.ec, "EC P-256"),
    boundRow(bound.rsa, "RSA-2048"),
    e2eRow(`end to end, 1 worker, ${clients} clients`, e2e.k1ec, "EC P-256"),
    e2eRow(`end to end, 1 worker, ${clients} clients`, e2e.k1rsa, "RSA-2048", POOL_NOTE),
    e2eRow(`end to end, 2 workers, ${clients} clients`, e2e.k2ec, "EC P-256"),
    e2eRow(`end to end, 2 workers, ${clients} clients`, e2e.k2rsa, "RSA-2048", POOL_NOTE),
    submitRow(
      `submit only (no worker), closed c=${r.submitClosed?.load ?? "?"}`,
      r.submitClosed,
      "accepted (202) per second",
    ),
    submitRow(
      `submit only (no worker), open ${open?.load ?? openTarget}/s`,
      open,
      `latency from due time; ${openVerdict}`,
    ),
    ...(r.topologies ?? []).map(([name, result]) =>
      e2eRow(`Redis ${name}, 1 worker, ${clients} clients`, result, "EC P-256"),
    ),
    cfsslRow(cfssl.ec, "EC P-256", cfssl.status),
    cfsslRow(cfssl.rsa, "RSA-2048", cfssl.status),
    e2eRow(
      "RSA burst, all at once, 2 workers",
      r.burstWithoutPool,
      "RSA-2048",
      "without pool (CERTQ_KEY_POOL=none)",
    ),
    e2eRow(
      "RSA burst, all at once, 2 workers",
      r.burstWithPool,
      "RSA-2048",
      "with pool (default RSA_2048=20 per worker, full)",
    ),
    ratioRow(
      "ratio: end to end (1 worker) / bound",
      "EC P-256",
      ratio(rate(e2e.k1ec), rate(bound.ec)),
    ),
    ratioRow(
      "ratio: end to end (2 workers) / bound",
      "EC P-256",
      ratio(rate(e2e.k2ec), rate(bound.ec)),
    ),
    ratioRow(
      "ratio: end to end (1 worker) / bound",
      "RSA-2048",
      ratio(rate(e2e.k1rsa), rate(bound.rsa)),
    ),
    ratioRow(
      "ratio: end to end (2 workers) / bound",
      "RSA-2048",
      ratio(rate(e2e.k2rsa), rate(bound.rsa)),
    ),
    ratioRow("ratio: certq (2 workers) / cfssl", "EC P-256", ratio(rate(e2e.k2ec), rate(cfssl.ec))),
    ratioRow(
      "ratio: certq (2 workers) / cfssl",
      "RSA-2048",
      ratio(rate(e2e.k2rsa), rate(cfssl.rsa)),
    ),
    ratioRow("ratio: 2 workers / 1 worker", "EC P-256", ratio(rate(e2e.k2ec), rate(e2e.k1ec))),
    ratioRow("ratio: 2 workers / 1 worker", "RSA-2048", ratio(rate(e2e.k2rsa), rate(e2e.k1rsa))),
    ratioRow(
      "per-worker share, 2 workers (requests by job processedBy)",
      "both",
      shares.length === 2 ? shares.map((s) => `${s.toFixed(0)} %`).join(" / ") : "n/a",
      shares.length === 2
        ? `${r.share?.join(" / ")} requests; target 40-60 % each: ${shares.every((s) => s >= 40 && s <= 60) ? "met" : "MISSED"}`
        : "",
    ),
  ];
  return renderTable(HEADERS, rows);
}
