import { readFile, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { openssl, scratchDir } from "@certq/core/testing";
import { createDatabase } from "@certq/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "../../../test/fixtures";
import { createHarness, type Harness, type Served, serveListener } from "../../../test/harness";
import { createOcspListener } from "./ocsp-listener";
import { createOcspResponder } from "./ocsp-responder";

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let rootFile: string;
let profileId: string;
/** The production listener: OCSP's node handler, then the app. */
let full: Served;
/** OCSP's node handler alone: whatever it leaves is answered 599 and noted in `leftOver`. */
let only: Served;
const leftOver: string[] = [];

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  await h.startWorker(2);
  const root = await createRootCa(h, "EC_prime256v1");
  rootFile = await s.write("root.pem", root.certificate);
  profileId = await createProfile(h, root.id);
  full = await h.serve();
  only = await serveListener((req, res) => {
    if (h.ocspListener(req, res)) return;
    leftOver.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(599).end();
  });
});
afterAll(async () => {
  await only.close();
  await h.close();
  await s.cleanup();
});

async function issue(commonName: string) {
  const res = await submit(h, { profileId, commonName });
  const request = await waitForRequest(h, res.body.certificateRequestId);
  const file = await s.write(`${commonName}.pem`, request.certificate ?? "");
  return { serial: request.serialNumber ?? "", file };
}

async function ocspRequest(leafFile: string, options: { nonce?: boolean } = {}) {
  const out = s.file(`req-${Math.random().toString(36).slice(2)}.der`);
  const made = await openssl(
    ["ocsp", "-issuer", rootFile, "-cert", leafFile, options.nonce ? "-nonce" : "-no_nonce"].concat(
      ["-reqout", out],
    ),
  );
  expect(made.code, made.stderr).toBe(0);
  return readFile(out);
}

/** openssl as the client, over HTTP POST: its verdict, verified against the root. */
async function askOpenssl(url: string, leafFile: string, nonce = false) {
  const asked = await openssl([
    "ocsp",
    "-issuer",
    rootFile,
    "-cert",
    leafFile,
    "-CAfile",
    rootFile,
    "-url",
    `${url}/ocsp`,
    ...(nonce ? [] : ["-no_nonce"]),
  ]);
  return asked.stdout + asked.stderr;
}

/** What openssl reads in a response's bytes (not verified: an error status has no signature). */
async function responseText(der: Buffer) {
  const file = s.file(`resp-${Math.random().toString(36).slice(2)}.der`);
  await writeFile(file, der);
  const read = await openssl(["ocsp", "-respin", file, "-resp_text", "-noverify"]);
  return read.stdout + read.stderr;
}

const getPath = (der: Buffer) => `/ocsp/${encodeURIComponent(der.toString("base64"))}`;

async function fetchBytes(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

const post = (base: string, der: Buffer | string, headers: Record<string, string> = {}) =>
  fetchBytes(`${base}/ocsp`, {
    method: "POST",
    headers: { "content-type": "application/ocsp-request", ...headers },
    body: der,
  });

/** The headers every answer of the app carries (securityHeaders, requestId). */
function expectAppHeaders(headers: Headers) {
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("referrer-policy")).toBe("no-referrer");
  expect(headers.get("x-frame-options")).toBe("DENY");
  expect(headers.get("x-request-id")).toMatch(/^req-[0-9a-f-]{36}$/);
}

const RFC5019_HEADERS = ["content-type", "cache-control", "last-modified", "expires", "etag"];

describe("the OCSP node listener, ahead of the app", () => {
  it("answers openssl's POST itself (good, verified), with or without a nonce", async () => {
    const leaf = await issue("listener-openssl.example.test");
    expect(await askOpenssl(only.url, leaf.file)).toMatch(/: good[\s\S]*Response verify OK/);
    // With a nonce openssl also checks that the answer echoes it.
    const nonced = await askOpenssl(only.url, leaf.file, true);
    expect(nonced).toMatch(/: good/);
    expect(nonced).toMatch(/Response verify OK/);
    expect(nonced).not.toMatch(/WARNING: no nonce/);
    expect(leftOver).toEqual([]);
  });

  it("answers GET and POST with the app's bytes and headers; If-None-Match on a GET is 304", async () => {
    const leaf = await issue("listener-headers.example.test");
    const der = await ocspRequest(leaf.file);
    const viaApp = await h.app.request(getPath(der));
    const appBody = Buffer.from(await viaApp.arrayBuffer());
    const got = await fetchBytes(`${only.url}${getPath(der)}`);
    expect(got.res.status).toBe(200);
    // Pre-signed by the app's request: the listener serves the same cache.
    expect(got.body.equals(appBody)).toBe(true);
    for (const name of RFC5019_HEADERS) {
      if (name === "cache-control") continue;
      expect(got.res.headers.get(name), name).toBe(viaApp.headers.get(name));
    }
    expect(got.res.headers.get("cache-control")).toMatch(
      /^max-age=\d+, public, no-transform, must-revalidate$/,
    );
    expect(got.res.headers.get("content-length")).toBe(String(got.body.length));
    expectAppHeaders(got.res.headers);
    expectAppHeaders(viaApp.headers);

    const posted = await post(only.url, der);
    expect(posted.res.status).toBe(200);
    expect(posted.body.equals(appBody)).toBe(true);
    expect(posted.res.headers.get("etag")).toBe(viaApp.headers.get("etag"));
    expectAppHeaders(posted.res.headers);

    const etag = viaApp.headers.get("etag") ?? "";
    const notModified = await fetchBytes(`${only.url}${getPath(der)}`, {
      headers: { "if-none-match": etag },
    });
    expect(notModified.res.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.res.headers.get("etag")).toBe(etag);
    expectAppHeaders(notModified.res.headers);
    // RFC 5019's conditional answer is for GET; a POST always gets the response.
    expect((await post(only.url, der, { "if-none-match": etag })).res.status).toBe(200);
    expect(leftOver).toEqual([]);
  });

  it("keeps a caller's request ID, and replaces one that is not a plain token, like the app", async () => {
    const leaf = await issue("listener-reqid.example.test");
    const der = await ocspRequest(leaf.file);
    for (const base of [only.url, full.url]) {
      const kept = await fetch(`${base}${getPath(der)}`, { headers: { "x-request-id": "lb-42" } });
      expect(kept.headers.get("x-request-id")).toBe("lb-42");
      const odd = await fetch(`${base}${getPath(der)}`, {
        headers: { "x-request-id": "not a token" },
      });
      expect(odd.headers.get("x-request-id")).toMatch(/^req-/);
    }
    const viaApp = await h.app.request(getPath(der), { headers: { "x-request-id": "lb-42" } });
    expect(viaApp.headers.get("x-request-id")).toBe("lb-42");
    expect(leftOver).toEqual([]);
  });

  it("signs a nonce'd request afresh and marks it no-store", async () => {
    const leaf = await issue("listener-nonce.example.test");
    const der = await ocspRequest(leaf.file, { nonce: true });
    const a = await post(only.url, der);
    const b = await post(only.url, der);
    expect(a.res.headers.get("cache-control")).toBe("no-store");
    expect(a.res.headers.get("etag")).toBeNull();
    expect(a.body.equals(b.body)).toBe(false);
    expect(await responseText(a.body)).toMatch(/Cert Status: good/);
    expectAppHeaders(a.res.headers);
  });

  it("answers garbage with an OCSP malformedRequest, over POST and GET", async () => {
    const posted = await post(only.url, "nonsense");
    const got = await fetchBytes(`${only.url}/ocsp/${encodeURIComponent("bm9uc2Vuc2U=")}`);
    for (const { res, body } of [posted, got]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/ocsp-response");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await responseText(body)).toMatch(/malformedrequest/);
      expectAppHeaders(res.headers);
    }
    expect(leftOver).toEqual([]);
  });

  it("shows a revocation at once (openssl over POST and a GET)", async () => {
    const leaf = await issue("listener-revoked.example.test");
    const der = await ocspRequest(leaf.file);
    expect(await askOpenssl(only.url, leaf.file)).toMatch(/: good/);
    const before = await fetchBytes(`${only.url}${getPath(der)}`);
    expect(await responseText(before.body)).toMatch(/Cert Status: good/);
    const revoke = await h.request("POST", `/api/v1/pki/certificates/${leaf.serial}/revoke`, {
      body: { revocationReason: "KEY_COMPROMISE" },
    });
    expect(revoke.status, revoke.text).toBe(200);
    const revoked = await askOpenssl(only.url, leaf.file);
    expect(revoked).toMatch(/: revoked/);
    expect(revoked).toMatch(/Reason: keyCompromise/);
    expect(revoked).toMatch(/Response verify OK/);
    const after = await fetchBytes(`${only.url}${getPath(der)}`);
    expect(await responseText(after.body)).toMatch(/Cert Status: revoked/);
    expect(after.res.headers.get("etag")).not.toBe(before.res.headers.get("etag"));
  });

  it("leaves other requests to the app, which answers them as before", async () => {
    const leaf = await issue("listener-rest.example.test");
    const der = await ocspRequest(leaf.file);
    const b64 = der.toString("base64");
    leftOver.length = 0;
    const cases: {
      method: string;
      path: string;
      headers?: Record<string, string>;
      body?: Buffer;
    }[] = [
      { method: "HEAD", path: getPath(der) },
      { method: "GET", path: "/ocsp/" },
      { method: "GET", path: `/ocsp/${b64.slice(0, 8)}/${b64.slice(8)}` },
      { method: "GET", path: `/ocsp/${"A".repeat(4_097)}` },
      { method: "POST", path: "/ocsp", headers: { "content-type": "application/octet-stream" } },
      {
        method: "POST",
        path: "/ocsp?x=1",
        headers: { "content-type": "application/ocsp-request" },
      },
      {
        method: "POST",
        path: "/ocsp",
        headers: { "content-type": "application/ocsp-request", "transfer-encoding": "chunked" },
      },
    ];
    for (const c of cases) {
      const status = await rawRequest(only.url, c.method, c.path, c.headers ?? {}, c.body ?? der);
      expect(status, `${c.method} ${c.path}`).toBe(599);
    }
    expect(leftOver.length).toBe(cases.length);

    // The app takes them as it always has: a chunked body and another type are answered.
    const chunked = await rawRequest(
      full.url,
      "POST",
      "/ocsp",
      {
        "content-type": "application/ocsp-request",
        "transfer-encoding": "chunked",
      },
      der,
    );
    expect(chunked).toBe(200);
    const octets = await post(full.url, der, { "content-type": "application/octet-stream" });
    expect(octets.res.status).toBe(200);
    expect(await responseText(octets.body)).toMatch(/Cert Status: good/);
    expect((await fetch(`${full.url}/ocsp/a/b`)).status).toBe(404);
    // Over MAX_OCSP_REQUEST_BYTES but under the app's body limit: not OCSP.
    const large = await post(full.url, Buffer.alloc(9_000, 1));
    expect(await responseText(large.body)).toMatch(/malformedrequest/);
  });

  it("counts its requests in the app's series (method, route pattern, status)", async () => {
    const leaf = await issue("listener-metrics.example.test");
    const der = await ocspRequest(leaf.file);
    const series = async () => {
      const text = (await h.request("GET", "/metrics")).text;
      const value = (line: string) =>
        Number(
          text
            .split("\n")
            .find((l) => l.startsWith(`${line} `))
            ?.split(" ")[1] ?? 0,
        );
      return {
        get: value('certq_http_requests_total{method="GET",route="/ocsp/:request",status="200"}'),
        notModified: value(
          'certq_http_requests_total{method="GET",route="/ocsp/:request",status="304"}',
        ),
        post: value('certq_http_requests_total{method="POST",route="/ocsp",status="200"}'),
        postSeconds: value(
          'certq_http_request_duration_seconds_count{method="POST",route="/ocsp"}',
        ),
      };
    };
    // The app's own route names the series; the listener adds to the same ones.
    await h.app.request(getPath(der));
    await h.app.request("/ocsp", {
      method: "POST",
      headers: { "content-type": "application/ocsp-request" },
      body: der,
    });
    const before = await series();
    expect(before.get).toBeGreaterThan(0);
    expect(before.post).toBeGreaterThan(0);
    const got = await fetch(`${only.url}${getPath(der)}`);
    await fetch(`${only.url}${getPath(der)}`, {
      headers: { "if-none-match": got.headers.get("etag") ?? "" },
    });
    await post(only.url, der);
    await post(only.url, der);
    const after = await series();
    expect(after.get - before.get).toBe(1);
    expect(after.notModified - before.notModified).toBe(1);
    expect(after.post - before.post).toBe(2);
    expect(after.postSeconds - before.postSeconds).toBe(2);
  });

  it("logs a failure with the request ID and answers it in the app's error shape", async () => {
    const leaf = await issue("listener-failure.example.test");
    const der = await ocspRequest(leaf.file);
    // A real Postgres client to a port nothing listens on: the responder cannot look up CAs.
    const unreachable = createDatabase({ url: "postgres://postgres@127.0.0.1:1/none" });
    const listener = createOcspListener({
      respond: createOcspResponder({ ctx: { ...h.ctx, db: unreachable.db } }),
    });
    const failing = await serveListener((req, res) => {
      if (!listener(req, res)) res.writeHead(599).end();
    });
    try {
      const res = await fetch(`${failing.url}/ocsp`, {
        method: "POST",
        headers: { "content-type": "application/ocsp-request", "x-request-id": "fail-1" },
        body: der,
      });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(503);
      expect(body).toEqual({
        reqId: "fail-1",
        statusCode: 503,
        message: "A backing service is unavailable; try again shortly",
        error: "ServiceUnavailable",
      });
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const logged = h.logs.filter((l) => l.includes('"msg":"OCSP request failed"'));
      expect(logged.some((l) => l.includes('"reqId":"fail-1"'))).toBe(true);
      expect(logged.join("\n")).not.toMatch(/PRIVATE KEY|"privateKey"/);
    } finally {
      await failing.close();
      await unreachable.close();
    }
  });
});

/** One request with exactly these headers (fetch would add a Content-Length or chunk itself). */
function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    if (method === "HEAD" || method === "GET") req.end();
    else req.end(body);
  });
}
