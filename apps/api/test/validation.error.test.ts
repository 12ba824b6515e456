import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let rootId: string;
let intermediateId: string;

beforeAll(async () => {
  h = await createHarness();
  const root = await h.request<{ certificateAuthority: { id: string } }>("POST", "/api/v1/pki/ca", {
    body: { type: "root", commonName: "Validation Root", keyAlgorithm: "EC_prime256v1" },
  });
  rootId = root.body.certificateAuthority.id;
  const inter = await h.request<{ certificateAuthority: { id: string } }>(
    "POST",
    "/api/v1/pki/ca",
    {
      body: {
        type: "intermediate",
        commonName: "Validation Intermediate",
        keyAlgorithm: "EC_prime256v1",
      },
    },
  );
  intermediateId = inter.body.certificateAuthority.id;
});
afterAll(() => h.close());

async function rowCounts() {
  const rows = await h.db.db.execute(sql`
    select (select count(*) from certificate_authorities) as cas,
           (select count(*) from certificate_profiles) as profiles,
           (select count(*) from certificate_requests) as requests,
           (select count(*) from certificates) as certificates,
           (select count(*) from access_tokens) as tokens`);
  return rows[0];
}

const CA = "/api/v1/pki/ca";
const root = (v: Record<string, unknown>) => ({ type: "root", commonName: "x", ...v });
const huge = "a".repeat(1_000_000);

interface Case {
  name: string;
  method?: string;
  path?: string | (() => string);
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  status: number | number[];
  /** A field name or text the message must contain. */
  names: string;
}

const CASES: Case[] = [
  { name: "missing type", body: { commonName: "x" }, status: 422, names: "type" },
  { name: "type wrong enum", body: root({ type: "leaf" }), status: 422, names: "type" },
  { name: "type is a number", body: root({ type: 7 }), status: 422, names: "type" },
  { name: "missing commonName", body: { type: "root" }, status: 422, names: "commonName" },
  { name: "commonName empty", body: root({ commonName: "" }), status: 422, names: "commonName" },
  {
    name: "commonName too long",
    body: root({ commonName: "c".repeat(65) }),
    status: 422,
    names: "commonName",
  },
  {
    name: "commonName is an array",
    body: root({ commonName: ["a"] }),
    status: 422,
    names: "commonName",
  },
  {
    name: "commonName control chars",
    body: root({ commonName: "evil\u0000name" }),
    status: 422,
    names: "commonName",
  },
  {
    name: "commonName newline",
    body: root({ commonName: "a\nO=evil" }),
    status: 422,
    names: "commonName",
  },
  {
    name: "organization too long",
    body: root({ organization: "o".repeat(65) }),
    status: 422,
    names: "organization",
  },
  { name: "country three letters", body: root({ country: "NLD" }), status: 422, names: "country" },
  { name: "country digits", body: root({ country: "12" }), status: 422, names: "country" },
  { name: "locality object", body: root({ locality: { a: 1 } }), status: 422, names: "locality" },
  { name: "unknown field", body: root({ colour: "blue" }), status: 422, names: "colour" },
  {
    name: "keyAlgorithm unknown",
    body: root({ keyAlgorithm: "RSA_1024" }),
    status: 422,
    names: "keyAlgorithm",
  },
  {
    name: "keyAlgorithm lowercase",
    body: root({ keyAlgorithm: "rsa_2048" }),
    status: 422,
    names: "keyAlgorithm",
  },
  {
    name: "maxPathLength -2",
    body: root({ maxPathLength: -2 }),
    status: 422,
    names: "maxPathLength",
  },
  {
    name: "maxPathLength fraction",
    body: root({ maxPathLength: 1.5 }),
    status: 422,
    names: "maxPathLength",
  },
  {
    name: "maxPathLength string",
    body: root({ maxPathLength: "1" }),
    status: 422,
    names: "maxPathLength",
  },
  {
    name: "notBefore not a date",
    body: root({ notBefore: "yesterday" }),
    status: 422,
    names: "notBefore",
  },
  {
    name: "notAfter impossible date",
    body: root({ notAfter: "2030-02-31" }),
    status: 422,
    names: "notAfter",
  },
  {
    name: "notAfter before notBefore",
    body: root({ notBefore: "2030-01-01", notAfter: "2029-01-01" }),
    status: 422,
    names: "notAfter",
  },
  { name: "body is an array", body: [1, 2], status: 422, names: "body" },
  {
    name: "body is null",
    rawBody: "null",
    headers: { "content-type": "application/json" },
    status: [400, 422],
    names: "",
  },
  {
    name: "broken JSON",
    rawBody: '{"type": "root",',
    headers: { "content-type": "application/json" },
    status: 400,
    names: "JSON",
  },
  {
    name: "wrong content type",
    rawBody: "type=root",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 400,
    names: "Content-Type",
  },
  {
    name: "text/plain JSON",
    rawBody: JSON.stringify(root({})),
    headers: { "content-type": "text/plain" },
    status: 400,
    names: "Content-Type",
  },
  { name: "1 MB commonName", body: root({ commonName: huge }), status: 422, names: "commonName" },
  {
    name: "over 1 MiB body",
    rawBody: JSON.stringify(root({ commonName: `${huge}${huge}` })),
    headers: { "content-type": "application/json" },
    status: 413,
    names: "larger",
  },
  {
    name: "PATCH status unknown",
    method: "PATCH",
    path: () => `${CA}/${rootId}`,
    body: { status: "revoked" },
    status: 422,
    names: "status",
  },
  {
    name: "PATCH extra field",
    method: "PATCH",
    path: () => `${CA}/${rootId}`,
    body: { status: "active", type: "root" },
    status: 422,
    names: "type",
  },
  {
    name: "PATCH pending CA",
    method: "PATCH",
    path: () => `${CA}/${intermediateId}`,
    body: { status: "active" },
    status: 400,
    names: "status",
  },
  {
    name: "import: missing chain",
    method: "POST",
    path: () => `${CA}/${intermediateId}/import-certificate`,
    body: { certificate: "x" },
    status: 422,
    names: "certificateChain",
  },
  {
    name: "import: not PEM",
    method: "POST",
    path: () => `${CA}/${intermediateId}/import-certificate`,
    body: { certificate: "hello", certificateChain: "world" },
    status: 400,
    names: "certificate",
  },
  {
    name: "sign-intermediate: bad CSR",
    method: "POST",
    path: () => `${CA}/${rootId}/sign-intermediate`,
    body: { csr: "not a csr", notAfter: "2030-01-01" },
    status: 400,
    names: "csr",
  },
  {
    name: "sign-intermediate: missing notAfter",
    method: "POST",
    path: () => `${CA}/${rootId}/sign-intermediate`,
    body: { csr: "x" },
    status: 422,
    names: "notAfter",
  },
  {
    name: "token: empty scopes",
    method: "POST",
    path: "/api/v1/tokens",
    body: { name: "t", scopes: [] },
    status: 422,
    names: "scopes",
  },
  {
    name: "token: unknown scope",
    method: "POST",
    path: "/api/v1/tokens",
    body: { name: "t", scopes: ["root"] },
    status: 422,
    names: "scopes",
  },
  {
    name: "token: expiresAt in the past",
    method: "POST",
    path: "/api/v1/tokens",
    body: { name: "t", scopes: ["admin"], expiresAt: "2001-01-01T00:00:00Z" },
    status: 400,
    names: "expiresAt",
  },
  {
    name: "token: delete non-UUID",
    method: "DELETE",
    path: "/api/v1/tokens/123",
    status: 422,
    names: "tokenId",
  },
];

describe("malformed requests", () => {
  it.each(CASES)("$name: 400/422 naming the field, nothing written", async (c) => {
    const before = await rowCounts();
    const path = typeof c.path === "function" ? c.path() : (c.path ?? CA);
    const res = await h.request<{
      statusCode: number;
      message: unknown;
      reqId: string;
      error: string;
    }>(c.method ?? "POST", path, { body: c.body, rawBody: c.rawBody, headers: c.headers });
    const expected = Array.isArray(c.status) ? c.status : [c.status];
    expect(expected, res.text).toContain(res.status);
    expect(res.body.statusCode, res.text).toBe(res.status);
    expect(res.body.reqId, res.text).toBe(res.headers.get("x-request-id"));
    expect(typeof res.body.error).toBe("string");
    expect(JSON.stringify(res.body.message), res.text).toContain(c.names);
    if (res.status === 422) {
      expect(Array.isArray(res.body.message), res.text).toBe(true);
      for (const issue of res.body.message as { field: string; message: string }[]) {
        expect(issue.field).toBeTruthy();
        expect(issue.message).toContain(issue.field);
      }
    }
    expect(await rowCounts()).toEqual(before);
  });
});
