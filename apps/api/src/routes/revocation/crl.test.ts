import { rebuildCrl } from "@certq/core";
import { openssl, scratchDir } from "@certq/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "../../../test/fixtures";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
let ca: { id: string; certificate: string };
let rootFile: string;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  await h.startWorker(2);
  ca = await createRootCa(h, "EC_prime256v1", "CRL Root");
  rootFile = await s.write("root.pem", ca.certificate);
  profileId = await createProfile(h, ca.id);
});
afterAll(async () => {
  await h.close();
  await s.cleanup();
});

type App = Harness["app"];
const crlPath = () => `/api/v1/pki/ca/${ca.id}/crl`;

async function download(app: App, headers: Record<string, string> = {}) {
  const res = await app.request(crlPath(), { headers });
  return { res, der: Buffer.from(await res.arrayBuffer()) };
}

/** openssl's reading of a DER CRL, checked against the root. */
async function crlText(der: Buffer) {
  const file = await s.write(`crl-${Math.random().toString(36).slice(2)}.der`, der);
  const read = await openssl([
    "crl",
    "-inform",
    "DER",
    "-in",
    file,
    "-CAfile",
    rootFile,
    "-noout",
    "-text",
  ]);
  expect(read.stderr + read.stdout).toMatch(/verify OK/);
  return read.stdout;
}

const crlNumberOf = (text: string) => Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(text)?.[1]);
const builds = () =>
  h.logs.filter((l) => l.includes('"msg":"CRL built"') && l.includes(ca.id)).length;

async function issueAndRevoke(commonName: string) {
  const submitted = await submit(h, { profileId, commonName });
  const request = await waitForRequest(h, submitted.body.certificateRequestId);
  const serial = request.serialNumber ?? "";
  const revoked = await h.request("POST", `/api/v1/pki/certificates/${serial}/revoke`, {
    body: { revocationReason: "KEY_COMPROMISE" },
  });
  expect(revoked.status, revoked.text).toBe(200);
  return serial;
}

describe("GET /api/v1/pki/ca/{caId}/crl", () => {
  it("names the CRL by its number: ETag, Last-Modified and Expires; a matching If-None-Match is a 304 without a body", async () => {
    const { res, der } = await download(h.app);
    expect(res.status).toBe(200);
    const number = crlNumberOf(await crlText(der));
    expect(res.headers.get("etag")).toBe(`"${number}"`);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const lastModified = Date.parse(res.headers.get("last-modified") ?? "");
    const expires = Date.parse(res.headers.get("expires") ?? "");
    expect(expires - lastModified).toBe(24 * 3600 * 1000);

    const again = await download(h.app, { "if-none-match": `"${number}"` });
    expect(again.res.status).toBe(304);
    expect(again.der.length).toBe(0);
    const other = await download(h.app, { "if-none-match": `"${number + 1}"` });
    expect(other.res.status).toBe(200);
    expect(other.der.equals(der)).toBe(true);
  });

  it("a CRL rebuilt elsewhere is served at once by every replica, though each held the old one", async () => {
    const { app: replica } = await h.replica();
    const before = await download(replica);
    await download(h.app);
    const serial = await issueAndRevoke("replica-crl.example.test");
    // The revocation's own rebuild runs in a maintenance worker this test does not start:
    // build here, as another process would, and ask both apps.
    await rebuildCrl({ ctx: h.ctx, caId: ca.id });
    for (const app of [h.app, replica]) {
      const { res, der } = await download(app);
      const text = await crlText(der);
      expect(text.toUpperCase()).toContain(serial.toUpperCase());
      expect(crlNumberOf(text)).toBeGreaterThan(crlNumberOf(await crlText(before.der)));
      expect(res.headers.get("etag")).toBe(`"${crlNumberOf(text)}"`);
    }
  });

  it("a CRL not built yet, asked for by 20 clients at once, is built once and all 20 get the same bytes", async () => {
    await issueAndRevoke("first-crl.example.test");
    await download(h.app);
    // As for a new CA: the app held a CRL, the database has none (it expired the same way).
    await h.db.sql`delete from certificate_revocation_lists where ca_id = ${ca.id}`;
    const buildsBefore = builds();
    const answers = await Promise.all(Array.from({ length: 20 }, () => download(h.app)));
    expect(answers.map((a) => a.res.status)).toEqual(Array(20).fill(200));
    // ECDSA signatures differ on every signing: identical bytes mean one build.
    const [first] = answers;
    for (const answer of answers)
      expect(answer.der.equals(first?.der ?? Buffer.alloc(0))).toBe(true);
    expect(builds() - buildsBefore).toBe(1);
    const [stored] = await h.db.sql<{ fresh: boolean }[]>`
      select next_update > now() as fresh from certificate_revocation_lists where ca_id = ${ca.id}`;
    expect(stored?.fresh).toBe(true);
  });

  it("an unknown CA, or an ID that is not one, is a 404", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const res = await h.request("GET", `/api/v1/pki/ca/${id}/crl`, { token: null });
      expect(res.status, id).toBe(404);
    }
  });
});
