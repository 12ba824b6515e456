import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  createCertificate,
  generateKeyPair,
  generateSerialNumber,
  type KeyAlgorithm,
} from "@certq/pki";
import type { BoundThreadInput, BoundThreadMessage } from "./bound-thread";

export interface BoundResult {
  keyAlgorithm: KeyAlgorithm;
  threads: number;
  inFlight: number;
  seconds: number;
  certificates: number;
  perSecond: number;
}

/** A self-signed EC P-256 root made with the pki package, as the API's CA creation does. */
export async function createBoundIssuer(): Promise<BoundThreadInput["issuer"]> {
  const keyPair = await generateKeyPair("EC_prime256v1");
  const now = Date.now();
  const certificatePem = await createCertificate({
    subject: { commonName: "certq bench root" },
    publicKeySpki: keyPair.publicKeySpki,
    serialNumber: generateSerialNumber(),
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 24 * 60 * 60 * 1000),
    signatureAlgorithm: "ECDSA-SHA256",
    issuer: {
      selfSigned: { privateKeyPkcs8: keyPair.privateKeyPkcs8, keyAlgorithm: "EC_prime256v1" },
    },
    ca: { maxPathLength: -1 },
  });
  return {
    certificatePem,
    privateKeyPkcs8: new Uint8Array(keyPair.privateKeyPkcs8),
    keyAlgorithm: "EC_prime256v1",
  };
}

const THREAD_URL = new URL("./bound-thread.ts", import.meta.url).href;
// Node 20 does not carry tsx's loader hooks into worker threads: each thread registers tsx
// itself (by absolute URL, since a data: module cannot resolve bare specifiers), then loads
// the TypeScript entry.
const TSX_API_URL = import.meta.resolve("tsx/esm/api");
const THREAD_BOOT = new URL(
  `data:text/javascript,${encodeURIComponent(
    `import { register } from ${JSON.stringify(TSX_API_URL)}; register(); await import(${JSON.stringify(THREAD_URL)});`,
  )}`,
);
const THREAD_START_TIMEOUT_MS = 60_000;

/**
 * The pure-pki bound: one worker thread per core, each issuing in a loop for the same
 * window (all start together after a warm-up). Threads are terminated even on failure.
 */
export async function measureBound(args: {
  keyAlgorithm: KeyAlgorithm;
  seconds: number;
  issuer: BoundThreadInput["issuer"];
  threads?: number;
  inFlight?: number;
}): Promise<BoundResult> {
  const threads = args.threads ?? availableParallelism();
  const inFlight = args.inFlight ?? 1;
  const input: BoundThreadInput = {
    keyAlgorithm: args.keyAlgorithm,
    issuer: args.issuer,
    inFlight,
    warmupMs: 1_000,
  };
  const workers = Array.from(
    { length: threads },
    () => new Worker(THREAD_BOOT, { workerData: input }),
  );
  try {
    const next = (w: Worker, type: BoundThreadMessage["type"], timeoutMs: number) =>
      new Promise<BoundThreadMessage>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`bound thread: no "${type}" within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const onMessage = (m: BoundThreadMessage) => {
          if (m.type !== type) return;
          clearTimeout(timer);
          w.off("message", onMessage);
          resolve(m);
        };
        w.on("message", onMessage);
        w.once("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    await Promise.all(workers.map((w) => next(w, "ready", THREAD_START_TIMEOUT_MS)));
    const started = Date.now();
    const deadline = started + args.seconds * 1000;
    const done = workers.map((w) => next(w, "done", args.seconds * 1000 + 30_000));
    for (const w of workers) w.postMessage({ deadline });
    const results = await Promise.all(done);
    const certificates = results.reduce((sum, m) => sum + (m.type === "done" ? m.count : 0), 0);
    return {
      keyAlgorithm: args.keyAlgorithm,
      threads,
      inFlight,
      seconds: args.seconds,
      certificates,
      perSecond: certificates / args.seconds,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
