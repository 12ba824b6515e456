import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CertqStack } from "./certq-stack";
import type { Cleanup } from "./cleanup";
import { HttpClient } from "./http";
import { closedLoop, firstError, throughput } from "./load";
import { freePort, startProcess, waitFor } from "./processes";
import { type Latency, latency } from "./stats";
import { fmt, ratio, renderTable } from "./table";

const run = promisify(execFile);

export interface OcspResult {
  responder: string;
  requests: number;
  ok: number;
  perSecond: number;
  latency: Latency;
  error?: string;
}

/** DER no-nonce requests (RFC 5019) for these certificates. */
async function ocspRequests(dir: string, issuer: string, leaves: string[]) {
  const requests: Buffer[] = [];
  for (const [i, leaf] of leaves.entries()) {
    const out = join(dir, `req-${i}.der`);
    await run("openssl", ["ocsp", "-issuer", issuer, "-cert", leaf, "-no_nonce", "-reqout", out]);
    requests.push(await readFile(out));
  }
  return requests;
}

/**
 * Untimed requests before each responder's timed run. cfssl's answers are signed before it
 * starts, certq's on first asking: without this, certq's first signatures, and the warm-up
 * of whichever responder and generator code runs first, would fall inside certq's run only.
 */
const OCSP_WARMUP_REQUESTS = 2_000;

/**
 * The same generator for every responder: `count` POSTs (cfssl 1.2 mis-decodes a base64 GET
 * path holding '+') by `clients` closed-loop clients, cycling over the certificates'
 * requests, after OCSP_WARMUP_REQUESTS untimed ones; a 200 with an OCSP body counts.
 */
async function load(
  responder: string,
  client: HttpClient,
  path: string,
  requests: Buffer[],
  count: number,
  clients: number,
): Promise<OcspResult> {
  const send = async (index: number) => {
    const body = requests[index % requests.length];
    const res = await client.sendBytes("POST", path, body, "application/ocsp-request");
    return res.status === 200 && res.text.length > 0
      ? { ok: true }
      : { ok: false, error: `status ${res.status}` };
  };
  await closedLoop({ count: OCSP_WARMUP_REQUESTS, concurrency: clients, send });
  const samples = await closedLoop({ count, concurrency: clients, send });
  const ok = samples.filter((s) => s.ok);
  return {
    responder,
    requests: count,
    ok: ok.length,
    perSecond: throughput(ok),
    latency: latency(ok.map((s) => s.end - s.start)),
    error: firstError(samples),
  };
}

/** certq's responder for `certificates` certificates it issues first (one worker, then stopped). */
export async function runCertqOcsp(args: {
  stack: CertqStack;
  certificates: number;
  count: number;
  clients: number;
}): Promise<OcspResult> {
  const { stack } = args;
  const dir = await mkdtemp(join(tmpdir(), "certq-bench-ocsp-"));
  try {
    const profileId = await stack.createProfile(`bench-ocsp-${Date.now()}`);
    await stack.startWorkers(1);
    const leaves: string[] = [];
    try {
      for (let i = 0; i < args.certificates; i++) {
        const issued = await stack.api.json<{ certificate: string }>(
          "POST",
          "/api/v3/pki/certificates/issue-certificate",
          {
            profileId,
            commonName: `ocsp-${i}.example.test`,
            ttl: "1d",
            keyAlgorithm: "EC_prime256v1",
            signatureAlgorithm: "ECDSA-SHA256",
          },
        );
        const file = join(dir, `leaf-${i}.pem`);
        await writeFile(file, issued.certificate);
        leaves.push(file);
      }
    } finally {
      await stack.stopWorkers();
    }
    const ca = await stack.api.json<{ certificate: string }>(
      "GET",
      `/api/v1/pki/ca/${stack.caId}/certificate`,
    );
    const issuer = join(dir, "ca.pem");
    await writeFile(issuer, ca.certificate);
    const requests = await ocspRequests(dir, issuer, leaves);
    return await load("certq POST /ocsp", stack.api, "/ocsp", requests, args.count, args.clients);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An openssl EC P-256 CA and `count` leaves of it, for the reference responders. */
async function opensslCa(dir: string, count: number) {
  const caKey = join(dir, "ca.key");
  const caPem = join(dir, "ca.pem");
  await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", caKey]);
  await run(
    "openssl",
    ["req", "-x509", "-new", "-key", caKey, "-subj", "/CN=bench ocsp ca"].concat([
      "-days",
      "2",
      "-out",
      caPem,
    ]),
  );
  const leafKey = join(dir, "leaf.key");
  const csr = join(dir, "leaf.csr");
  await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", leafKey]);
  await run("openssl", ["req", "-new", "-key", leafKey, "-subj", "/CN=leaf", "-out", csr]);
  const leaves: { file: string; serial: string }[] = [];
  for (let i = 0; i < count; i++) {
    const serial = (0x1000 + i).toString(16).toUpperCase();
    const file = join(dir, `leaf-${i}.pem`);
    await run(
      "openssl",
      ["x509", "-req", "-in", csr, "-CA", caPem, "-CAkey", caKey].concat([
        "-set_serial",
        `0x${serial}`,
        "-days",
        "1",
        "-out",
        file,
      ]),
    );
    leaves.push({ file, serial });
  }
  return { caKey, caPem, leaves };
}

/** `openssl ocsp -index` (signs each answer; one process) and `cfssl ocspserve` (pre-signed). */
export async function runReferenceOcsp(args: {
  cfssl: string | undefined;
  certificates: number;
  count: number;
  clients: number;
  cleanup: Cleanup;
}): Promise<OcspResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "certq-bench-ocsp-ref-"));
  args.cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const ca = await opensslCa(dir, args.certificates);
  const files = ca.leaves.map((l) => l.file);
  const results: OcspResult[] = [];

  const index = join(dir, "index.txt");
  const expiry = `${new Date(Date.now() + 86_400_000).toISOString().slice(2, 19).replace(/[-T:]/g, "")}Z`;
  await writeFile(
    index,
    ca.leaves.map((l) => `V\t${expiry}\t\t${l.serial}\tunknown\t/CN=leaf\n`).join(""),
  );
  // Every leaf has the same subject: openssl refuses that unless told.
  await writeFile(`${index}.attr`, "unique_subject = no\n");
  const requests = await ocspRequests(dir, ca.caPem, files);
  /** Starts a responder on a free loopback port, waits until it answers, then loads it. */
  const measure = async (label: string, command: string, argv: (port: number) => string[]) => {
    const port = await freePort();
    const server = startProcess({
      label,
      command,
      argv: argv(port),
      env: {},
      cwd: dir,
      cleanup: args.cleanup,
    });
    const client = new HttpClient(new URL(`http://127.0.0.1:${port}`));
    args.cleanup.add(`close ${label} client`, async () => client.close());
    const ask = () =>
      client
        .sendBytes("POST", "/", requests[0], "application/ocsp-request")
        .catch(() => ({ status: 0 }));
    await waitFor(
      `${label} listening`,
      async () => !server.exited() && (await ask()).status === 200,
      15_000,
      () => server.tail(),
    );
    results.push(await load(label, client, "/", requests, args.count, args.clients));
  };

  await measure("openssl ocsp -index", "openssl", (port) =>
    [
      "ocsp",
      "-index",
      index,
      "-port",
      String(port),
      "-rsigner",
      ca.caPem,
      "-rkey",
      ca.caKey,
    ].concat(["-CA", ca.caPem, "-nmin", "60", "-ignore_err"]),
  );

  if (args.cfssl) {
    const responses = join(dir, "responses.b64");
    const lines: string[] = [];
    for (const file of files) {
      const { stdout } = await run(
        args.cfssl,
        ["ocspsign", "-ca", ca.caPem, "-responder", ca.caPem].concat([
          "-responder-key",
          ca.caKey,
          "-cert",
          file,
          "-status",
          "good",
        ]),
      );
      lines.push((JSON.parse(stdout) as { ocspResponse: string }).ocspResponse);
    }
    await writeFile(responses, `${lines.join("\n")}\n`);
    await measure("cfssl ocspserve", args.cfssl, (port) => [
      "ocspserve",
      "-address",
      "127.0.0.1",
      "-port",
      String(port),
      "-responses",
      responses,
    ]);
  }
  return results;
}

const OCSP_LEAVES_NOTE = "certificates (a response each, the same for every asker)";

export function renderOcsp(results: OcspResult[], clients: number): string {
  const cfssl = results.find((r) => r.responder.startsWith("cfssl"));
  const certq = results.find((r) => r.responder.startsWith("certq"));
  const rows = results.map((r) => [
    r.responder,
    `${r.ok}/${r.requests}`,
    fmt(r.perSecond),
    `p50 ${fmt(r.latency.p50)}, p99 ${fmt(r.latency.p99)}`,
    r.error ?? "",
  ]);
  rows.push([
    "ratio: certq / cfssl ocspserve",
    "",
    ratio(certq?.perSecond, cfssl?.perSecond),
    "",
    "target >= 1.0x",
  ]);
  return [
    `OCSP: POST, no nonce, ${clients} clients closed loop, cycling over each responder's ${OCSP_LEAVES_NOTE}, after ${OCSP_WARMUP_REQUESTS} untimed requests each`,
    renderTable(["responder", "ok", "responses /s", "latency ms", "note"], rows),
  ].join("\n");
}
