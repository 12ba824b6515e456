import { execFile } from "node:child_process";
import { access, constants, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import type { KeyAlgorithm } from "@certq/pki";
import type { Cleanup } from "./cleanup";
import { HttpClient } from "./http";
import { closedLoop, firstError, type Send, throughput } from "./load";
import { freePort, startProcess, waitFor } from "./processes";
import { type Latency, latency } from "./stats";

export interface CfsslResult {
  keyAlgorithm: KeyAlgorithm;
  requests: number;
  ok: number;
  perSecond: number;
  /** newcert is synchronous: this is both submit and "issued" latency. */
  latency: Latency;
  error?: string;
}

/** The cfssl binary on PATH, or undefined. */
export async function findCfssl(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "cfssl");
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

const KEY_REQUESTS: Partial<Record<KeyAlgorithm, { algo: string; size: number }>> = {
  EC_prime256v1: { algo: "ecdsa", size: 256 },
  RSA_2048: { algo: "rsa", size: 2048 },
};

/** `cfssl serve` on loopback with a fresh EC P-256 root (cfssl genkey -initca). */
export async function startCfssl(binary: string, cleanup: Cleanup): Promise<HttpClient> {
  const dir = await mkdtemp(join(tmpdir(), "certq-bench-cfssl-"));
  cleanup.add(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const csrPath = join(dir, "ca-csr.json");
  await writeFile(
    csrPath,
    JSON.stringify({ CN: "cfssl bench root", key: { algo: "ecdsa", size: 256 } }),
  );
  const { stdout } = await promisify(execFile)(binary, ["genkey", "-initca", csrPath], {
    timeout: 30_000,
  });
  const generated = JSON.parse(stdout) as { cert: string; key: string };
  await writeFile(join(dir, "ca.pem"), generated.cert);
  await writeFile(join(dir, "ca-key.pem"), generated.key, { mode: 0o600 });

  const port = await freePort();
  const server = startProcess({
    label: "cfssl serve",
    command: binary,
    argv: [
      "serve",
      "-address",
      "127.0.0.1",
      "-port",
      String(port),
      "-ca",
      join(dir, "ca.pem"),
      "-ca-key",
      join(dir, "ca-key.pem"),
      "-loglevel",
      "3",
    ],
    env: {},
    cwd: dir,
    cleanup,
  });
  const client = new HttpClient(new URL(`http://127.0.0.1:${port}`));
  cleanup.add("close cfssl client", async () => client.close());
  const send = cfsslSender(client, "EC_prime256v1", "ready");
  await waitFor(
    "cfssl serve",
    async () => !server.exited() && (await send(0)).ok,
    30_000,
    server.tail,
  );
  return client;
}

function cfsslSender(client: HttpClient, keyAlgorithm: KeyAlgorithm, tag: string): Send {
  const key = KEY_REQUESTS[keyAlgorithm];
  if (!key) throw new Error(`no cfssl key request for ${keyAlgorithm}`);
  return async (index) => {
    const name = `${tag}-${index}.example.test`;
    const res = await client.send("POST", "/api/v1/cfssl/newcert", {
      request: { CN: name, hosts: [name], key },
    });
    const ok = res.status === 200 && (JSON.parse(res.text) as { success?: boolean }).success;
    return ok
      ? { ok: true }
      : { ok: false, error: `HTTP ${res.status}: ${res.text.slice(0, 200)}` };
  };
}

/** newcert (cfssl generates the key and signs) under the same closed-loop load as certq. */
export async function runCfssl(args: {
  client: HttpClient;
  keyAlgorithm: KeyAlgorithm;
  count: number;
  clients: number;
}): Promise<CfsslResult> {
  const send = cfsslSender(args.client, args.keyAlgorithm, `cfssl-${args.keyAlgorithm}`);
  const samples = await closedLoop({ count: args.count, concurrency: args.clients, send });
  const ok = samples.filter((s) => s.ok);
  return {
    keyAlgorithm: args.keyAlgorithm,
    requests: samples.length,
    ok: ok.length,
    perSecond: throughput(samples),
    latency: latency(ok.map((s) => s.end - s.start)),
    error: firstError(samples),
  };
}
