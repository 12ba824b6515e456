// One worker thread of the in-process bound: issues certificates with the project's own pki
// code (key pair, serial, build + sign, key PEM) in a loop until the shared deadline.
import { parentPort, workerData } from "node:worker_threads";
import {
  createCertificate,
  generateKeyPair,
  generateSerialNumber,
  type KeyAlgorithm,
  prepareSigner,
  privateKeyPem,
} from "@certq/pki";

export interface BoundThreadInput {
  keyAlgorithm: KeyAlgorithm;
  issuer: { certificatePem: string; privateKeyPkcs8: Uint8Array; keyAlgorithm: KeyAlgorithm };
  /** Certificates this thread keeps in flight at once. */
  inFlight: number;
  /** Milliseconds of unmeasured issuing first (JIT, lazy imports). */
  warmupMs: number;
}

/** Messages: thread -> main "ready", main -> thread {deadline}, thread -> main {count}. */
export type BoundThreadMessage = { type: "ready" } | { type: "done"; count: number };

const input = workerData as BoundThreadInput;
// Prepared once, as a worker process keeps one prepared signer per CA.
const issuer = prepareSigner({
  certificatePem: input.issuer.certificatePem,
  privateKeyPkcs8: Buffer.from(input.issuer.privateKeyPkcs8),
  keyAlgorithm: input.issuer.keyAlgorithm,
});
const DAY_MS = 24 * 60 * 60 * 1000;
let sequence = 0;

async function issueOne(): Promise<void> {
  const keyPair = await generateKeyPair(input.keyAlgorithm);
  const now = Date.now();
  const name = `bound-${sequence++}.example.test`;
  const pem = await createCertificate({
    subject: { commonName: name },
    publicKeySpki: keyPair.publicKeySpki,
    serialNumber: generateSerialNumber(),
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 30 * DAY_MS),
    signatureAlgorithm: "ECDSA-SHA256",
    issuer,
    keyUsages: ["digital_signature"],
    extendedKeyUsages: ["server_auth"],
    altNames: [{ type: "dns_name", value: name }],
  });
  const keyPem = privateKeyPem(keyPair.privateKeyPkcs8);
  if (pem.length === 0 || keyPem.length === 0) throw new Error("empty PEM");
}

async function run(deadline: number): Promise<number> {
  let count = 0;
  const loop = async () => {
    while (Date.now() < deadline) {
      await issueOne();
      if (Date.now() <= deadline) count++;
    }
  };
  await Promise.all(Array.from({ length: input.inFlight }, loop));
  return count;
}

const port = parentPort;
if (!port) throw new Error("bound-thread must run as a worker thread");
const warmupEnd = Date.now() + input.warmupMs;
do await issueOne();
while (Date.now() < warmupEnd);
// A failure rejects this listener: the thread dies and the main thread sees its "error".
port.once("message", async (message: { deadline: number }) => {
  const count = await run(message.deadline);
  port.postMessage({ type: "done", count } satisfies BoundThreadMessage);
});
port.postMessage({ type: "ready" } satisfies BoundThreadMessage);
