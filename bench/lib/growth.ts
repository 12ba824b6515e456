import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CertqStack } from "./certq-stack";
import { type EndToEndResult, runEndToEnd } from "./end-to-end";
import { HttpClient } from "./http";
import { closedLoop, firstError, type Send, throughput } from "./load";
import { waitFor } from "./processes";
import { type Latency, latency, sleep } from "./stats";
import { runSubmitOpen, type SubmitPathResult } from "./submit-path";
import { fmt, renderTable } from "./table";

const run = promisify(execFile);

/** A closed-loop run of one kind of read: its rate and latency. */
export interface ReadRun {
  requests: number;
  ok: number;
  perSecond: number;
  latency: Latency;
  error?: string;
}

/** Every figure of the data-growth part, at one table size. */
export interface GrowthPoint {
  certificates: number;
  revoked: number;
  e2e?: EndToEndResult;
  submit?: SubmitPathResult;
  poll?: ReadRun;
  lists: [string, ReadRun | undefined][];
  crl?: {
    buildMs: number;
    bytes: number;
    serve: ReadRun;
    /** The same downloads from a plain node:http server (the machine's ceiling). */
    plain: ReadRun;
    apiRssGrowthMb: number;
  };
  ocspRefresh?: ReadRun;
  errors: string[];
}

/** Reads: polls, list pages, CRL downloads, OCSP misses. */
const POLLS = 3_000;
const LIST_REQUESTS = 100;
const CRL_DOWNLOADS = 256;
const OCSP_SERIALS = 400;
const CRL_CLIENTS_NOTE = "the bench's clients at once";

async function readRun(count: number, concurrency: number, send: Send): Promise<ReadRun> {
  const samples = await closedLoop({ count, concurrency, send });
  const ok = samples.filter((s) => s.ok);
  return {
    requests: count,
    ok: ok.length,
    perSecond: throughput(samples),
    latency: latency(ok.map((s) => s.end - s.start)),
    error: firstError(samples),
  };
}

const expect200 = (status: number, text: string) =>
  status === 200 ? { ok: true } : { ok: false, error: `HTTP ${status}: ${text.slice(0, 200)}` };

/** The API process's resident set, in MB (Linux /proc). */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * Measures one table size: end to end with one worker, submissions in an open loop, polls of
 * random requests, four list pages, a CRL rebuilt from scratch and then downloaded by
 * `clients` at once (the API's memory growth meanwhile), and OCSP answers for serials never
 * asked before (each a database lookup and a signature: what a refresh costs).
 */
export async function measureGrowthPoint(args: {
  stack: CertqStack;
  label: string;
  clients: number;
  ecRequests: number;
  openRate: number;
  openSeconds: number;
  startWorkers: () => Promise<unknown>;
  progress: (message: string) => void;
}): Promise<GrowthPoint> {
  const { stack, clients } = args;
  const { sql } = stack.db;
  const errors: string[] = [];
  const step = async <T>(what: string, measure: () => Promise<T>): Promise<T | undefined> => {
    args.progress(`growth, ${args.label}: ${what}`);
    try {
      return await measure();
    } catch (error) {
      errors.push(`${args.label} ${what}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const [counts] = await sql<{ certificates: number; revoked: number }[]>`
    select count(*)::int as certificates, (count(*) filter (where status = 'revoked'))::int as revoked
    from certificates`;
  const point: GrowthPoint = {
    certificates: counts?.certificates ?? 0,
    revoked: counts?.revoked ?? 0,
    lists: [],
    errors,
  };

  await args.startWorkers();
  try {
    point.e2e = await step(`end to end, ${args.ecRequests} EC`, () =>
      runEndToEnd({
        stack,
        label: `growth ${args.label}`,
        keyAlgorithm: "EC_prime256v1",
        count: args.ecRequests,
        clients,
        timeoutMs: 120_000 + args.ecRequests * 50,
      }),
    );
  } finally {
    await stack.stopWorkers();
  }
  point.submit = await step(`submit, open loop ${args.openRate}/s`, () =>
    runSubmitOpen({ stack, rate: args.openRate, seconds: args.openSeconds }),
  );
  // The submissions are issued before the next step, so no backlog spills into later runs.
  await step("issuing the submitted requests", async () => {
    await args.startWorkers();
    try {
      await waitFor(
        "pending requests issued",
        async () => {
          const [row] = await sql<{ n: number }[]>`
            select count(*)::int as n from certificate_requests where status = 'pending'`;
          return row?.n === 0;
        },
        120_000,
      );
    } finally {
      await stack.stopWorkers();
    }
  });

  const ids = (
    await sql<{ id: string }[]>`
      select id from certificate_requests tablesample system (1) limit ${POLLS}`
  ).map((r) => r.id);
  point.poll = await step(`${ids.length} polls of random requests`, () =>
    readRun(ids.length, clients, async (i) => {
      const res = await stack.api.send(
        "GET",
        `/api/v1/cert-manager/certificates/certificate-requests/${ids[i]}`,
      );
      return expect200(res.status, res.text);
    }),
  );

  const soon = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
  const lists: [string, string][] = [
    ["first page", "limit=100"],
    ["revoked of the CA", `caId=${stack.caId}&status=revoked&limit=100`],
    ["common name prefix", "commonName=growth-12*&limit=100"],
    ["expiring within 30 days", `expiresBefore=${encodeURIComponent(soon)}&limit=100`],
  ];
  for (const [name, query] of lists) {
    point.lists.push([
      name,
      await step(`list page, ${name}`, () =>
        readRun(LIST_REQUESTS, 4, async () => {
          const res = await stack.api.send("GET", `/api/v1/pki/certificates?${query}`);
          return expect200(res.status, res.text);
        }),
      ),
    ]);
  }

  point.crl = await step("CRL build and downloads", () => measureCrl(stack, clients));
  point.ocspRefresh = await step(`OCSP answers for ${OCSP_SERIALS} new serials`, () =>
    measureOcspMisses(stack, clients),
  );
  return point;
}

async function measureCrl(stack: CertqStack, clients: number) {
  const path = `/api/v1/pki/ca/${stack.caId}/crl`;
  // With no stored CRL the API builds one on the spot: the build is the first GET's time.
  await stack.db.sql`delete from certificate_revocation_lists where ca_id = ${stack.caId}`;
  const started = performance.now();
  const first = await stack.api.send("GET", path, undefined, 120_000);
  const buildMs = performance.now() - started;
  if (first.status !== 200) throw new Error(`CRL: HTTP ${first.status}: ${first.text}`);
  const pid = stack.apiPid();
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 10);
  try {
    const serve = await readRun(CRL_DOWNLOADS, clients, async () => {
      const res = await stack.api.send("GET", path);
      return res.status === 200 && res.body.equals(first.body)
        ? { ok: true }
        : { ok: false, error: `HTTP ${res.status}, ${res.body.length} bytes` };
    });
    await sleep(20);
    clearInterval(sampler);
    const plain = await plainServerDownloads(first.body, clients);
    return { buildMs, bytes: first.body.length, serve, plain, apiRssGrowthMb: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

// A node:http server that answers every request with the bytes it was given on stdin.
const PLAIN_SERVER = `
const http = require("node:http");
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c)).on("end", () => {
  const body = Buffer.concat(chunks);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/pkix-crl", "content-length": body.length });
    res.end(body);
  });
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
});`;

/**
 * The same downloads from a plain node:http server holding the CRL in memory: what this
 * machine's loopback and the load generator allow for a body that size, in the same run.
 */
async function plainServerDownloads(body: Buffer, clients: number): Promise<ReadRun> {
  const child = spawn(process.execPath, ["-e", PLAIN_SERVER], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  try {
    child.stdin.end(body);
    const [line] = (await once(child.stdout, "data")) as [Buffer];
    const client = new HttpClient(new URL(`http://127.0.0.1:${Number(line.toString().trim())}`));
    try {
      return await readRun(CRL_DOWNLOADS, clients, async () => {
        const res = await client.send("GET", "/");
        return res.body.length === body.length
          ? { ok: true }
          : { ok: false, error: `${res.body.length} bytes` };
      });
    } finally {
      client.close();
    }
  } finally {
    child.kill();
  }
}

/** POSTs one RFC 5019 request per serial, each asked once: every answer is a cache miss. */
async function measureOcspMisses(stack: CertqStack, clients: number): Promise<ReadRun> {
  const serials = (
    await stack.db.sql<{ serial: string }[]>`
      select serial_number as serial from certificates tablesample system (1)
      where ca_id = ${stack.caId} limit ${OCSP_SERIALS}`
  ).map((r) => r.serial);
  const dir = await mkdtemp(join(tmpdir(), "certq-bench-growth-"));
  try {
    const ca = await stack.api.json<{ certificate: string }>(
      "GET",
      `/api/v1/pki/ca/${stack.caId}/certificate`,
    );
    const issuer = join(dir, "ca.pem");
    await writeFile(issuer, ca.certificate);
    const requests: Buffer[] = [];
    for (let i = 0; i < serials.length; i += 8) {
      const batch = serials.slice(i, i + 8).map(async (serial, j) => {
        const out = join(dir, `req-${i + j}.der`);
        await run("openssl", [
          "ocsp",
          "-issuer",
          issuer,
          "-serial",
          `0x${serial}`,
          "-no_nonce",
          "-reqout",
          out,
        ]);
        return readFile(out);
      });
      requests.push(...(await Promise.all(batch)));
    }
    return await readRun(requests.length, clients, async (i) => {
      const res = await stack.api.sendBytes(
        "POST",
        "/ocsp",
        requests[i],
        "application/ocsp-request",
      );
      return expect200(res.status, res.text);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Each figure at both sizes, with the grown/empty ratio and the 15 % target. */
export function renderGrowth(empty: GrowthPoint, grown: GrowthPoint): string {
  const rows: string[][] = [];
  // higherIsBetter: a rate; otherwise a time.
  const row = (
    what: string,
    a: number | undefined,
    b: number | undefined,
    higherIsBetter: boolean,
  ) => {
    const change = a !== undefined && b !== undefined && a > 0 ? b / a : undefined;
    const within =
      change === undefined
        ? "n/a"
        : (higherIsBetter ? change >= 0.85 : change <= 1.15)
          ? "yes"
          : "no";
    rows.push([
      what,
      fmt(a),
      fmt(b),
      change === undefined ? "n/a" : `${change.toFixed(2)}×`,
      within,
    ]);
  };
  row("end to end EC issued /s", empty.e2e?.perSecond, grown.e2e?.perSecond, true);
  row(
    "end to end submit-to-issued p99 ms",
    empty.e2e?.submitToIssued.p99,
    grown.e2e?.submitToIssued.p99,
    false,
  );
  row(`submit p99 ms (open loop)`, empty.submit?.latency.p99, grown.submit?.latency.p99, false);
  row("poll p99 ms", empty.poll?.latency.p99, grown.poll?.latency.p99, false);
  for (const [i, [name, a]] of empty.lists.entries()) {
    const b = grown.lists[i]?.[1];
    row(`list page p99 ms: ${name}`, a?.latency.p99, b?.latency.p99, false);
  }
  row("CRL build ms (rebuilt from scratch)", empty.crl?.buildMs, grown.crl?.buildMs, false);
  row("OCSP miss (refresh) /s", empty.ocspRefresh?.perSecond, grown.ocspRefresh?.perSecond, true);
  row(
    "OCSP miss (refresh) p99 ms",
    empty.ocspRefresh?.latency.p99,
    grown.ocspRefresh?.latency.p99,
    false,
  );
  const size = (p: GrowthPoint) =>
    `${p.certificates.toLocaleString("en-US")} certificates (${p.revoked.toLocaleString("en-US")} revoked)`;
  const mbps = (run: ReadRun, bytes: number) => (run.perSecond * bytes) / 1e6;
  const crlLine = (p: GrowthPoint) =>
    p.crl
      ? `CRL ${fmt(p.crl.bytes / 1024)} KiB; ${CRL_DOWNLOADS} downloads by ${CRL_CLIENTS_NOTE}: ` +
        `certq ${fmt(p.crl.serve.perSecond)}/s (${fmt(mbps(p.crl.serve, p.crl.bytes))} MB/s, p99 ${fmt(p.crl.serve.latency.p99)} ms), ` +
        `plain node:http ${fmt(p.crl.plain.perSecond)}/s (${fmt(mbps(p.crl.plain, p.crl.bytes))} MB/s): ` +
        `${(p.crl.serve.perSecond / p.crl.plain.perSecond).toFixed(2)}×; API resident memory grew ${fmt(p.crl.apiRssGrowthMb)} MB meanwhile`
      : "CRL: not measured";
  return [
    `Data growth: ${size(empty)} vs ${size(grown)}; target: every figure within 15 %, CRL of 100,000 built in under 2 s`,
    renderTable(["figure", "empty", "grown", "grown / empty", "within 15 %"], rows),
    `empty: ${crlLine(empty)}`,
    `grown: ${crlLine(grown)}`,
    ...[...empty.errors, ...grown.errors].map((e) => `ERROR growth ${e}`),
  ].join("\n");
}
