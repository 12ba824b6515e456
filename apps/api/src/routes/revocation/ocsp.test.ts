import { readFile, writeFile } from "node:fs/promises";
import { openssl, scratchDir } from "@certq/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "../../../test/fixtures";
import { type ApiTarget, createHarness, type Harness, type Served } from "../../../test/harness";

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let rootFile: string;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  await h.startWorker(2);
  const root = await createRootCa(h, "EC_prime256v1");
  rootFile = await s.write("root.pem", root.certificate);
  profileId = await createProfile(h, root.id);
});
afterAll(async () => {
  await h.close();
  await s.cleanup();
});

async function issue(commonName: string) {
  const res = await submit(h, { profileId, commonName });
  const request = await waitForRequest(h, res.body.certificateRequestId);
  const file = await s.write(`${commonName}.pem`, request.certificate ?? "");
  return { serial: request.serialNumber ?? "", file };
}

/** A DER OCSPRequest made by openssl, with or without a nonce, SHA-1 or SHA-256 CertID. */
async function ocspRequest(leafFile: string, options: { nonce?: boolean; sha256?: boolean } = {}) {
  const out = s.file(`req-${Math.random().toString(36).slice(2)}.der`);
  const made = await openssl([
    "ocsp",
    "-issuer",
    rootFile,
    // A digest applies to the -cert after it.
    ...(options.sha256 ? ["-sha256"] : []),
    "-cert",
    leafFile,
    options.nonce ? "-nonce" : "-no_nonce",
    "-reqout",
    out,
  ]);
  expect(made.code, made.stderr).toBe(0);
  return readFile(out);
}

/**
 * GET /ocsp/{request} of an API process: in-process through the app, or over a real socket,
 * where the server's node listener answers it before the app (ocsp-listener.ts).
 */
type Get = (
  target: ApiTarget,
  der: Buffer,
  headers?: Record<string, string>,
) => Promise<{ res: Response; body: Buffer }>;

const servers = new Map<ApiTarget, Promise<Served>>();
const transports: [
  string,
  (target: ApiTarget, path: string, init: RequestInit) => Promise<Response>,
][] = [
  ["in-process, through the app", async (target, path, init) => target.app.request(path, init)],
  [
    "over a real server, through the node listener",
    async (target, path, init) => {
      if (!servers.has(target)) servers.set(target, target.serve());
      const served = await (servers.get(target) as Promise<Served>);
      return fetch(`${served.url}${path}`, init);
    },
  ],
];

async function write(kind: string, der: Buffer) {
  const file = s.file(`${kind}-${Math.random().toString(36).slice(2)}.der`);
  await writeFile(file, der);
  return file;
}

/** What openssl makes of a response: verified against the root, and the status line. */
async function readResponse(der: Buffer, leafFile: string, options: { sha256?: boolean } = {}) {
  const file = await write("resp", der);
  const read = await openssl([
    "ocsp",
    "-respin",
    file,
    "-issuer",
    rootFile,
    ...(options.sha256 ? ["-sha256"] : []),
    "-cert",
    leafFile,
    // The request openssl builds from -cert is not the one answered: no nonce to compare.
    "-no_nonce",
    "-CAfile",
    rootFile,
  ]);
  return read.stdout + read.stderr;
}

describe.each(transports)("OCSP from pre-signed responses (RFC 5019), %s", (way, send) => {
  // Each way has certificates of its own, so the cache it sees is its own doing.
  const name = (label: string) =>
    `${label}-${way.startsWith("in-process") ? "app" : "node"}.example.test`;
  const get: Get = async (target, der, headers = {}) => {
    const res = await send(target, `/ocsp/${encodeURIComponent(der.toString("base64"))}`, {
      headers,
    });
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  };

  it("answers a repeated GET with the same signed bytes and RFC 5019 headers; If-None-Match is 304", async () => {
    const leaf = await issue(name("cached"));
    const der = await ocspRequest(leaf.file);
    const first = await get(h, der);
    const second = await get(h, der);
    expect(first.res.status).toBe(200);
    expect(await readResponse(first.body, leaf.file)).toMatch(/: good[\s\S]*Response verify OK/);
    // ECDSA signatures are randomized: equal bytes mean the second answer was not re-signed.
    expect(second.body.equals(first.body)).toBe(true);

    const headers = first.res.headers;
    expect(headers.get("content-type")).toBe("application/ocsp-response");
    const maxAge = Number(/max-age=(\d+)/.exec(headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(300);
    expect(headers.get("cache-control")).toMatch(/public, no-transform, must-revalidate/);
    const lastModified = Date.parse(headers.get("last-modified") ?? "");
    const expires = Date.parse(headers.get("expires") ?? "");
    expect(Math.abs(lastModified - Date.now())).toBeLessThan(60_000);
    expect(expires).toBeGreaterThan(Date.now() + maxAge * 1000);
    const etag = headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(second.res.headers.get("etag")).toBe(etag);

    const notModified = await get(h, der, { "if-none-match": etag });
    expect(notModified.res.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    const otherTag = await get(h, der, { "if-none-match": '"other"' });
    expect(otherTag.res.status).toBe(200);
  });

  it("keeps SHA-1 and SHA-256 CertIDs apart, and signs a nonce'd request afresh, echoing the nonce", async () => {
    const leaf = await issue(name("hashes"));
    const sha1 = await get(h, await ocspRequest(leaf.file));
    const sha256 = await get(h, await ocspRequest(leaf.file, { sha256: true }));
    expect(await readResponse(sha1.body, leaf.file)).toMatch(/: good[\s\S]*Response verify OK/);
    expect(await readResponse(sha256.body, leaf.file, { sha256: true })).toMatch(
      /: good[\s\S]*Response verify OK/,
    );
    expect(sha256.body.equals(sha1.body)).toBe(false);

    // An unknown serial is signed each time: made-up requests do not fill the cache.
    const unknownOut = s.file("unknown-req.der");
    await openssl(
      ["ocsp", "-issuer", rootFile, "-serial", "0x0123456789abcdef", "-no_nonce"].concat([
        "-reqout",
        unknownOut,
      ]),
    );
    const unknown = await readFile(unknownOut);
    const u1 = await get(h, unknown);
    const u2 = await get(h, unknown);
    expect(u1.res.status).toBe(200);
    expect(u1.body.equals(u2.body)).toBe(false);

    // openssl's default is a nonce: such an answer is the asker's alone, signed each time.
    const nonced = await ocspRequest(leaf.file, { nonce: true });
    const a = await get(h, nonced);
    const b = await get(h, nonced);
    expect(a.body.equals(b.body)).toBe(false);
    expect(await readResponse(a.body, leaf.file)).toMatch(/: good[\s\S]*Response verify OK/);
    // openssl builds a request of its own (a new nonce) when given -cert, so the nonce is
    // compared in the two texts.
    const nonceIn = async (der: Buffer, flags: string[]) =>
      /OCSP Nonce:\s*\n\s*([0-9A-F]+)/.exec(
        (await openssl(["ocsp", ...flags.slice(0, 1), await write("text", der), ...flags.slice(1)]))
          .stdout,
      )?.[1];
    const sent = await nonceIn(nonced, ["-reqin", "-req_text"]);
    expect(sent).toMatch(/^04[0-9A-F]{4,}$/);
    expect(await nonceIn(a.body, ["-respin", "-resp_text", "-noverify"])).toBe(sent);
  });

  it("shows a revocation at once here and, through Redis, in another API process within 1 s; the CA's other answers stay cached", async () => {
    const leaf = await issue(name("revoked"));
    const der = await ocspRequest(leaf.file);
    const sibling = await issue(name("sibling"));
    const siblingDer = await ocspRequest(sibling.file);
    const replica = await h.replica();
    // Both processes hold pre-signed "good" answers for both certificates.
    const siblingBefore = new Map<ApiTarget, Buffer>();
    for (const target of [h, replica]) {
      expect(await readResponse((await get(target, der)).body, leaf.file)).toMatch(/: good/);
      siblingBefore.set(target, (await get(target, siblingDer)).body);
    }
    const revoke = await h.request("POST", `/api/v1/pki/certificates/${leaf.serial}/revoke`, {
      body: { revocationReason: "KEY_COMPROMISE" },
    });
    expect(revoke.status, revoke.text).toBe(200);
    const revokedAt = Date.now();
    expect(await readResponse((await get(h, der)).body, leaf.file)).toMatch(/: revoked/);

    let seen = "";
    while (Date.now() - revokedAt < 1_000) {
      seen = await readResponse((await get(replica, der)).body, leaf.file);
      if (/: revoked/.test(seen)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen).toMatch(/: revoked/);
    expect(seen).toMatch(/Reason: keyCompromise/);
    // Only the revoked certificate's answers were dropped: the sibling's are the same bytes
    // (an ECDSA re-signature would differ), so a revocation does not cold-start the CA.
    for (const target of [h, replica]) {
      const after = (await get(target, siblingDer)).body;
      expect(after.equals(siblingBefore.get(target) as Buffer)).toBe(true);
      expect(await readResponse(after, sibling.file)).toMatch(/: good/);
    }
  });
});
