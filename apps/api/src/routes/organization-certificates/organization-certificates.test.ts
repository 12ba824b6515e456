import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { openssl, scratchDir } from "@certq/core/testing";
import { certificates } from "@certq/db";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "../../../test/fixtures";
import { type ApiResponse, createHarness, type Harness } from "../../../test/harness";
import type { AppEnv } from "../../env";
import { onError } from "../../middleware/errors";
import { openAIErrors } from "../../middleware/openai-errors";

const BASE = "/v1/organization/certificates";

interface CertificateObject {
  object: "certificate";
  id: string;
  name: string;
  created_at: number;
  certificate_details: { valid_at: number; expires_at: number; content?: string };
}
interface ItemObject {
  object: "organization.certificate";
  id: string;
  name: string;
  active: boolean;
  created_at: number;
  certificate_details: { valid_at: number; expires_at: number };
}
interface ListBody {
  object: "list";
  data: ItemObject[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}
interface ActivationBody {
  object: string;
  data: ItemObject[];
}
interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

let h: Harness;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let reader: string;
let writer: string;
/** The certificate a worker issued, as `cert_` ID, UUID and PEM. */
let issued: { id: string; uuid: string; pem: string };

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker(2);
  scratch = await scratchDir();
  const caId = (await createRootCa(h, "EC_prime256v1")).id;
  const profileId = await createProfile(h, caId);
  const res = await submit(h, { profileId, commonName: "org.example.test" });
  const request = await waitForRequest(h, res.body.certificateRequestId);
  const uuid = request.certificateId ?? "";
  issued = { id: `cert_${uuid.replaceAll("-", "")}`, uuid, pem: request.certificate ?? "" };
  [reader, writer] = await Promise.all([
    h.token(["certificates:read"]),
    h.token(["certificates:issue"]),
  ]);
});
afterAll(async () => {
  await scratch?.cleanup();
  await h?.close();
});

let externalCount = 0;
/** A self-signed certificate certq never saw, made by the openssl CLI. */
async function externalCertificate(commonName = `external-${++externalCount}.example.org`) {
  const name = randomUUID();
  const result = await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    scratch.file(`${name}.key`),
    "-out",
    scratch.file(`${name}.pem`),
    "-subj",
    `/CN=${commonName}/O=Elsewhere`,
    "-days",
    "30",
  ]);
  expect(result.code, result.stderr).toBe(0);
  return readFile(scratch.file(`${name}.pem`), "utf8");
}

async function upload(content: string, name?: string) {
  const res = await h.request<CertificateObject>("POST", BASE, {
    body: name === undefined ? { content } : { name, content },
  });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Exactly OpenAI's envelope: `{error: {message, type, param, code}}` and nothing else. */
function expectOpenAIError(
  res: ApiResponse<unknown>,
  status: number,
  expected: { param?: string | null; code?: string | null; type?: string } = {},
) {
  expect(res.status, res.text).toBe(status);
  const body = res.body as ErrorBody;
  expect(Object.keys(body), res.text).toEqual(["error"]);
  expect(Object.keys(body.error).sort(), res.text).toEqual(["code", "message", "param", "type"]);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.type).toBe(expected.type ?? "invalid_request_error");
  if (expected.param !== undefined) expect(body.error.param, res.text).toBe(expected.param);
  if (expected.code !== undefined) expect(body.error.code, res.text).toBe(expected.code);
  expect(res.headers.get("x-request-id")).toMatch(/^req-/);
  return body.error;
}

const pemBody = (pem: string) =>
  pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");

async function listAll(order: "asc" | "desc" = "asc") {
  const res = await h.request<ListBody>("GET", `${BASE}?limit=100&order=${order}`);
  expect(res.status, res.text).toBe(200);
  expect(res.body.has_more).toBe(false);
  return res.body.data;
}

/** Walks every page of `limit` items; `between` runs after each page. */
async function walk(
  order: "asc" | "desc",
  limit: number,
  between: (page: number) => Promise<void> = async () => {},
) {
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const query: string = `${BASE}?limit=${limit}&order=${order}${after ? `&after=${after}` : ""}`;
    const res: ApiResponse<ListBody> = await h.request<ListBody>("GET", query);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    seen.push(...res.body.data.map((item) => item.id));
    expect(res.body.first_id).toBe(res.body.data[0]?.id ?? null);
    expect(res.body.last_id).toBe(res.body.data.at(-1)?.id ?? null);
    if (!res.body.has_more) return seen;
    after = res.body.last_id;
    await between(page);
  }
  throw new Error("the walk did not end");
}

describe("upload and get", () => {
  it("stores an external certificate inactive and serves it like an issued one", async () => {
    const pem = await externalCertificate("upload.example.org");
    const created = await upload(`Some text before the block\n${pem}`, "Partner CA leaf");
    expect(Object.keys(created).sort()).toEqual([
      "certificate_details",
      "created_at",
      "id",
      "name",
      "object",
    ]);
    expect(created).toMatchObject({ object: "certificate", name: "Partner CA leaf" });
    expect(created.id).toMatch(/^cert_[0-9a-f]{32}$/);
    expect(Object.keys(created.certificate_details).sort()).toEqual(["expires_at", "valid_at"]);
    expect(created.certificate_details.expires_at - created.certificate_details.valid_at).toBe(
      30 * 86_400,
    );
    expect(Math.abs(created.created_at - Date.now() / 1000)).toBeLessThan(60);

    const plain = await h.request<CertificateObject>("GET", `${BASE}/${created.id}`);
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body).toEqual(created);

    const withContent = await h.request<CertificateObject>(
      "GET",
      `${BASE}/${created.id}?include[]=content`,
    );
    expect(withContent.status, withContent.text).toBe(200);
    expect(Object.keys(withContent.body).sort()).toEqual(Object.keys(created).sort());
    const content = withContent.body.certificate_details.content ?? "";
    expect(content).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(content).not.toContain("Some text before");
    expect(pemBody(content)).toBe(pemBody(pem));

    // The UUID form resolves to the same uploaded row.
    const hex = created.id.slice(5);
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const byUuid = await h.request<CertificateObject>("GET", `${BASE}/${uuid}`);
    expect(byUuid.body).toEqual(created);

    const listed = (await listAll()).find((item) => item.id === created.id);
    expect(listed).toEqual({ ...created, object: "organization.certificate", active: false });
  });

  it("names an upload after its subject when no name is given", async () => {
    const created = await upload(await externalCertificate("unnamed.example.org"));
    expect(created.name).toBe("unnamed.example.org");
  });

  it("gets the issued certificate with and without include[]=content", async () => {
    const plain = await h.request<CertificateObject>("GET", `${BASE}/${issued.id}`);
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body).toMatchObject({
      object: "certificate",
      id: issued.id,
      name: "org.example.test",
    });
    expect(plain.body.certificate_details.content).toBeUndefined();
    expect(plain.body).not.toHaveProperty("active");
    const withContent = await h.request<CertificateObject>(
      "GET",
      `${BASE}/${issued.uuid}?include[]=content`,
    );
    expect(withContent.body.certificate_details.content).toBe(issued.pem);
  });

  it("refuses a second upload of the same certificate, and one certq issued, with 409", async () => {
    const pem = await externalCertificate();
    const first = await upload(pem, "first");
    const again = await h.request("POST", BASE, { body: { name: "again", content: pem } });
    const error = expectOpenAIError(again, 409, {
      param: "content",
      code: "certificate_already_exists",
    });
    expect(error.message).toContain(first.id);

    const ours = await h.request("POST", BASE, { body: { name: "ours", content: issued.pem } });
    expect(expectOpenAIError(ours, 409, { param: "content" }).message).toContain(issued.id);
    const ids = (await listAll()).map((item) => item.id);
    expect(ids.filter((id) => id === first.id || id === issued.id)).toHaveLength(2);
  });

  it.each([
    ["not PEM at all", "hello"],
    [
      "a PEM block of the wrong kind",
      "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    ],
    ["broken base64", "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"],
    [
      "DER that is not a certificate",
      `-----BEGIN CERTIFICATE-----\n${Buffer.from("not a certificate").toString("base64")}\n-----END CERTIFICATE-----\n`,
    ],
  ])("refuses %s as content with 400 on param content", async (_label, content) => {
    const res = await h.request("POST", BASE, { body: { name: "bad", content } });
    expectOpenAIError(res, 400, { param: "content", code: "invalid_value" });
  });

  it("refuses two certificates in one upload", async () => {
    const both = (await externalCertificate()) + (await externalCertificate());
    const res = await h.request("POST", BASE, { body: { name: "two", content: both } });
    const error = expectOpenAIError(res, 400, { param: "content" });
    expect(error.message).toContain("expected exactly one");
  });
});

describe("list", () => {
  it("lists issued and uploaded certificates, without content, newest first by default", async () => {
    const uploaded = await upload(await externalCertificate(), "listed upload");
    const res = await h.request<ListBody>("GET", BASE);
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      "data",
      "first_id",
      "has_more",
      "last_id",
      "object",
    ]);
    expect(res.body.object).toBe("list");
    const all = await listAll("desc");
    expect(res.body.data).toEqual(all.slice(0, 20));
    for (const item of all) {
      expect(Object.keys(item).sort()).toEqual([
        "active",
        "certificate_details",
        "created_at",
        "id",
        "name",
        "object",
      ]);
      expect(item.object).toBe("organization.certificate");
      expect(Object.keys(item.certificate_details).sort()).toEqual(["expires_at", "valid_at"]);
    }
    expect(all.find((item) => item.id === issued.id)).toMatchObject({ active: true });
    expect(all.find((item) => item.id === uploaded.id)).toMatchObject({ active: false });
    const createdAt = all.map((item) => item.created_at);
    expect(createdAt).toEqual([...createdAt].sort((a, b) => b - a));
    expect((await listAll("asc")).map((item) => item.id)).toEqual(all.map((i) => i.id).reverse());
  });

  it.each(["asc", "desc"] as const)(
    "pages of one (%s) walk every row exactly once",
    async (order) => {
      await upload(await externalCertificate(), "paged");
      const expected = (await listAll(order)).map((item) => item.id);
      expect(expected.length).toBeGreaterThan(2);
      expect(await walk(order, 1)).toEqual(expected);
      expect(await walk(order, 2)).toEqual(expected);
    },
  );

  it("pages walk every existing row once while rows are inserted between pages", async () => {
    const before = (await listAll("asc")).map((item) => item.id);
    const inserted: string[] = [];
    const seen = await walk("asc", 1, async (page) => {
      if (page < 3) inserted.push((await upload(await externalCertificate(), `during ${page}`)).id);
    });
    expect(new Set(seen).size).toBe(seen.length);
    // Every row of the start exactly once, in order, and the new rows after them.
    expect(seen.slice(0, before.length)).toEqual(before);
    expect(seen.slice(before.length)).toEqual(inserted);

    const beforeDesc = (await listAll("desc")).map((item) => item.id);
    const seenDesc = await walk("desc", 1, async (page) => {
      if (page < 3) await upload(await externalCertificate(), `during desc ${page}`);
    });
    // Newer rows sort before the cursor, so a descending walk sees exactly the rows it began with.
    expect(seenDesc).toEqual(beforeDesc);
  });

  it("orders ties on created_at by id, to the millisecond the columns keep", async () => {
    const at = "2001-02-03 04:05:06.001+00";
    const later = "2001-02-03 04:05:06.002+00";
    const rows = [at, at, at, later, later].map((createdAt, i) => ({
      id: randomUUID(),
      createdAt,
      name: `tie ${i}`,
    }));
    for (const row of rows) {
      await h.db.db.execute(sql`
        insert into uploaded_certificates
          (id, name, certificate, fingerprint_sha256, serial_number, subject, issuer,
           not_before, not_after, created_at)
        values (${row.id}, ${row.name}, 'not used', ${randomBytes(32).toString("hex")}, '01',
          'CN=tie', 'CN=tie', now(), now() + interval '1 day', ${row.createdAt}::timestamptz)`);
    }
    const tied = (ids: string[]) =>
      ids.filter((id) => rows.some((row) => `cert_${row.id.replaceAll("-", "")}` === id));
    const expected = [
      ...rows
        .slice(0, 3)
        .map((r) => r.id)
        .sort(),
      ...rows
        .slice(3)
        .map((r) => r.id)
        .sort(),
    ].map((id) => `cert_${id.replaceAll("-", "")}`);
    const asc = await walk("asc", 1);
    expect(tied(asc)).toEqual(expected);
    expect(new Set(asc).size).toBe(asc.length);
    const desc = await walk("desc", 1);
    expect(tied(desc)).toEqual([...expected].reverse());
    expect(desc).toEqual([...asc].reverse());
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=ten", "limit"],
    ["order=sideways", "order"],
    ["after=cert_00000000000000000000000000000000", "after"],
    ["after=nonsense", "after"],
  ])("refuses %s with 400 on its param", async (query, param) => {
    const res = await h.request("GET", `${BASE}?${query}`);
    expectOpenAIError(res, 400, { param, code: "invalid_value" });
  });
});

describe("rename", () => {
  it("renames issued and uploaded certificates", async () => {
    const uploaded = await upload(await externalCertificate(), "old name");
    for (const id of [uploaded.id, issued.id]) {
      const res = await h.request<CertificateObject>("POST", `${BASE}/${id}`, {
        body: { name: `renamed ${id}` },
        token: writer,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ object: "certificate", id, name: `renamed ${id}` });
      expect(res.body).not.toHaveProperty("active");
      const got = await h.request<CertificateObject>("GET", `${BASE}/${id}`);
      expect(got.body.name).toBe(`renamed ${id}`);
    }
    const [row] = await h.db.db.select().from(certificates).where(eq(certificates.id, issued.uuid));
    expect(row?.name).toBe(`renamed ${issued.id}`);
  });

  it.each([
    ["no name", {}, "name", "missing_required_parameter"],
    ["an empty name", { name: "" }, "name", "invalid_value"],
    ["a blank name", { name: "   " }, "name", "invalid_value"],
    ["a name too long", { name: "n".repeat(256) }, "name", "invalid_value"],
    ["a name of the wrong type", { name: 7 }, "name", "invalid_value"],
    ["an unknown field", { name: "ok", colour: "red" }, "colour", "unknown_parameter"],
  ])("refuses %s with 400 naming the field", async (_label, body, param, code) => {
    const res = await h.request("POST", `${BASE}/${issued.id}`, { body });
    const error = expectOpenAIError(res, 400, { param, code });
    expect(error.message).toContain(param);
  });

  it("answers 404 for an unknown certificate", async () => {
    const res = await h.request("POST", `${BASE}/cert_${randomBytes(16).toString("hex")}`, {
      body: { name: "x" },
    });
    expectOpenAIError(res, 404, { param: "certificate_id", code: "not_found" });
  });
});

describe("activate and deactivate", () => {
  it("toggles issued and uploaded certificates in OpenAI's shape", async () => {
    const uploaded = await upload(await externalCertificate(), "to activate");
    const activated = await h.request<ActivationBody>("POST", `${BASE}/activate`, {
      body: { certificate_ids: [uploaded.id, issued.id, uploaded.id] },
      token: writer,
    });
    expect(activated.status, activated.text).toBe(200);
    expect(Object.keys(activated.body).sort()).toEqual(["data", "object"]);
    expect(activated.body.object).toBe("organization.certificate.activation");
    expect(activated.body.data.map((item) => [item.id, item.active])).toEqual([
      [uploaded.id, true],
      [issued.id, true],
    ]);
    for (const item of activated.body.data) {
      expect(item.object).toBe("organization.certificate");
      expect(Object.keys(item).sort()).toEqual([
        "active",
        "certificate_details",
        "created_at",
        "id",
        "name",
        "object",
      ]);
    }
    const listed = await listAll();
    expect(listed.find((item) => item.id === uploaded.id)?.active).toBe(true);

    // Idempotent: activating again changes nothing and answers the same.
    const again = await h.request<ActivationBody>("POST", `${BASE}/activate`, {
      body: { certificate_ids: [uploaded.id] },
    });
    expect(again.body.data[0]?.active).toBe(true);

    const deactivated = await h.request<ActivationBody>("POST", `${BASE}/deactivate`, {
      body: { certificate_ids: [issued.id, uploaded.id] },
      token: writer,
    });
    expect(deactivated.status, deactivated.text).toBe(200);
    expect(deactivated.body.object).toBe("organization.certificate.deactivation");
    expect(deactivated.body.data.map((item) => [item.id, item.active])).toEqual([
      [issued.id, false],
      [uploaded.id, false],
    ]);
    const after = await listAll();
    expect(after.find((item) => item.id === issued.id)?.active).toBe(false);
    expect(after.find((item) => item.id === uploaded.id)?.active).toBe(false);

    await h.request("POST", `${BASE}/activate`, { body: { certificate_ids: [issued.id] } });
  });

  it("changes nothing when one ID is unknown (404 naming it)", async () => {
    const uploaded = await upload(await externalCertificate(), "atomic");
    for (const unknown of [`cert_${randomBytes(16).toString("hex")}`, "cert_nope", randomUUID()]) {
      const res = await h.request("POST", `${BASE}/activate`, {
        body: { certificate_ids: [uploaded.id, unknown] },
      });
      const error = expectOpenAIError(res, 404, {
        param: "certificate_ids[1]",
        code: "not_found",
      });
      expect(error.message).toContain(unknown);
    }
    const listed = (await listAll()).find((item) => item.id === uploaded.id);
    expect(listed?.active).toBe(false);
  });

  it("refuses to activate a revoked certificate", async () => {
    await h.db.db
      .update(certificates)
      .set({ status: "revoked" })
      .where(eq(certificates.id, issued.uuid));
    try {
      await h.request("POST", `${BASE}/deactivate`, { body: { certificate_ids: [issued.id] } });
      const res = await h.request("POST", `${BASE}/activate`, {
        body: { certificate_ids: [issued.id] },
      });
      expectOpenAIError(res, 400, { param: "certificate_ids[0]", code: "certificate_revoked" });
      expect((await listAll()).find((item) => item.id === issued.id)?.active).toBe(false);
    } finally {
      await h.db.db
        .update(certificates)
        .set({ status: "active", active: true })
        .where(eq(certificates.id, issued.uuid));
    }
  });

  it.each([
    ["no certificate_ids", {}, "certificate_ids", "missing_required_parameter"],
    ["an empty list", { certificate_ids: [] }, "certificate_ids", "invalid_value"],
    [
      "101 IDs",
      { certificate_ids: Array.from({ length: 101 }, () => "cert_x") },
      "certificate_ids",
      "invalid_value",
    ],
    ["a non-string ID", { certificate_ids: ["cert_x", 5] }, "certificate_ids[1]", "invalid_value"],
    ["OpenAI's older `data` field", { data: ["cert_x"] }, "certificate_ids", undefined],
  ])("refuses %s with 400", async (_label, body, param, code) => {
    for (const verb of ["activate", "deactivate"]) {
      const res = await h.request("POST", `${BASE}/${verb}`, { body });
      expectOpenAIError(res, 400, { param, ...(code ? { code } : {}) });
    }
  });
});

describe("delete", () => {
  it("deletes an inactive uploaded certificate, refuses an active one", async () => {
    const uploaded = await upload(await externalCertificate(), "to delete");
    await h.request("POST", `${BASE}/activate`, { body: { certificate_ids: [uploaded.id] } });
    const refused = await h.request("DELETE", `${BASE}/${uploaded.id}`, { token: writer });
    expectOpenAIError(refused, 400, { param: "certificate_id", code: "certificate_active" });
    expect((await h.request("GET", `${BASE}/${uploaded.id}`)).status).toBe(200);

    await h.request("POST", `${BASE}/deactivate`, { body: { certificate_ids: [uploaded.id] } });
    const deleted = await h.request("DELETE", `${BASE}/${uploaded.id}`, { token: writer });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toEqual({ object: "certificate.deleted", id: uploaded.id, deleted: true });

    expectOpenAIError(await h.request("GET", `${BASE}/${uploaded.id}`), 404, {
      param: "certificate_id",
      code: "not_found",
    });
    expectOpenAIError(await h.request("DELETE", `${BASE}/${uploaded.id}`), 404, {
      code: "not_found",
    });
    expect((await listAll()).map((item) => item.id)).not.toContain(uploaded.id);
  });

  it("refuses to delete a certificate certq issued, active or not", async () => {
    for (const verb of ["deactivate", "activate"]) {
      await h.request("POST", `${BASE}/${verb}`, { body: { certificate_ids: [issued.id] } });
      const res = await h.request("DELETE", `${BASE}/${issued.id}`);
      const error = expectOpenAIError(res, 400, {
        param: "certificate_id",
        code: "certificate_not_deletable",
      });
      expect(error.message).toMatch(/deactivate/i);
      expect(error.message).toMatch(/revoke/i);
    }
    expect((await h.request("GET", `${BASE}/${issued.id}`)).status).toBe(200);
  });
});

describe("errors and access", () => {
  const unknownId = "cert_0123456789abcdef0123456789abcdef";
  const ROUTES: [string, string, unknown, string][] = [
    ["GET", BASE, undefined, "certificates:read"],
    ["POST", BASE, { name: "x", content: "x" }, "certificates:issue"],
    ["GET", `${BASE}/${unknownId}`, undefined, "certificates:read"],
    ["POST", `${BASE}/${unknownId}`, { name: "x" }, "certificates:issue"],
    ["DELETE", `${BASE}/${unknownId}`, undefined, "certificates:issue"],
    ["POST", `${BASE}/activate`, { certificate_ids: [unknownId] }, "certificates:issue"],
    ["POST", `${BASE}/deactivate`, { certificate_ids: [unknownId] }, "certificates:issue"],
  ];

  it.each(ROUTES)(
    "%s %s: 401 without a valid token, 403 without the scope",
    async (method, path, body, scope) => {
      for (const token of [null, "certq_not-a-real-token"]) {
        const res = await h.request(method, path, { token, body });
        expectOpenAIError(res, 401, { param: null, code: "invalid_api_key" });
      }
      const other = scope === "certificates:read" ? writer : reader;
      const res = await h.request(method, path, { token: other, body });
      const error = expectOpenAIError(res, 403, { param: null, code: "insufficient_permissions" });
      expect(error.message).toContain(scope);
    },
  );

  it("answers 404 for unknown and malformed IDs", async () => {
    for (const id of [unknownId, randomUUID(), "cert_abc", "x".repeat(64)]) {
      const res = await h.request("GET", `${BASE}/${id}?include[]=content`, { token: reader });
      const error = expectOpenAIError(res, 404, { param: "certificate_id", code: "not_found" });
      expect(error.message).toContain(id);
    }
    expectOpenAIError(await h.request("GET", `${BASE}/${"x".repeat(65)}`), 400, {
      param: "certificate_id",
      code: "invalid_value",
    });
  });

  it("answers malformed JSON and a missing body in the envelope", async () => {
    const malformed = await h.request("POST", BASE, {
      rawBody: "{not json",
      headers: { "content-type": "application/json" },
    });
    expectOpenAIError(malformed, 400, { param: null });
    const missing = await h.request("POST", `${BASE}/activate`, {
      headers: { "content-type": "application/json", "content-length": "0" },
    });
    expectOpenAIError(missing, 400);
    const notObject = await h.request("POST", BASE, { body: ["content"] });
    expectOpenAIError(notObject, 400, { param: null, code: "invalid_value" });
  });

  it("keeps onError's status and headers for 5xx, without leaking the internal message", async () => {
    const app = new OpenAPIHono<AppEnv>();
    app.onError(onError);
    const failures: Record<string, Error> = {
      // What postgres.js throws when the database is down: onError answers 503.
      down: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
        code: "ECONNREFUSED",
      }),
      bug: new Error("secret detail of a bug"),
    };
    for (const [name, error] of Object.entries(failures)) {
      const route = createRoute({
        method: "get",
        path: `/v1/organization/certificates/${name}`,
        middleware: [openAIErrors] as const,
        responses: { 200: { description: "never" } },
      });
      app.openapi(route, () => {
        throw error;
      });
    }
    const down = await app.request("/v1/organization/certificates/down");
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect(await down.json()).toEqual({
      error: {
        message: "A backing service is unavailable; try again shortly",
        type: "server_error",
        param: null,
        code: "service_unavailable",
      },
    });
    const bug = await app.request("/v1/organization/certificates/bug");
    expect(bug.status).toBe(500);
    const text = await bug.text();
    expect(text).not.toContain("secret detail");
    expect(JSON.parse(text)).toEqual({
      error: { message: "Internal server error", type: "server_error", param: null, code: null },
    });
  });

  it("leaves every other route's error shape alone", async () => {
    const res = await h.request("GET", "/api/v1/pki/ca/not-a-uuid", { token: null });
    expect(res.status).toBe(401);
    expect(Object.keys(res.body as object).sort()).toEqual([
      "error",
      "message",
      "reqId",
      "statusCode",
    ]);
  });
});
