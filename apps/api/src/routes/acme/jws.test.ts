import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  externalAccountBinding,
  JwsClient,
  newSigningKey,
  openssl,
  type SigningKey,
  scratchDir,
  signJws,
} from "@certq/core/testing";
import { sql } from "drizzle-orm";
import { exportJWK, FlattenedSign, importPKCS8 } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acmeFlow } from "../../../test/acme/acme-flow";
import {
  type AcmeProfileSetup,
  appFetch,
  createAcmeProfile,
  createEabKey,
  pollUntil,
} from "../../../test/acme/acme-setup";
import { startDnsServer, type TestDnsServer } from "../../../test/acme/dns-server";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let dns: TestDnsServer;
let setup: AcmeProfileSetup;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let flow: ReturnType<typeof acmeFlow>;

beforeAll(async () => {
  dns = await startDnsServer();
  h = await createHarness({ outboundAllow: ["127.0.0.0/8"] });
  await h.startWorker(2);
  await h.startAcmeValidation({ http01Port: 1, tlsAlpn01Port: 1, dnsResolver: dns.address });
  setup = await createAcmeProfile(h, { requireEab: true });
  scratch = await scratchDir();
  flow = acmeFlow({ h, dns, scratch, setup });
});
afterAll(async () => {
  await h?.close();
  await dns?.close();
  await scratch?.cleanup();
});

const makeCsr = (names: string[], name?: string) => flow.makeCsr(names, name);
const registeredClient = () => flow.registeredClient();
const readyOrder = (client: JwsClient, name: string) => flow.readyOrder(client, name);
const issuedOrder = (client: JwsClient, name: string) => flow.issuedOrder(client, name);

describe("ACME dns-01 through a JWS client", () => {
  it("orders, proves dns-01 against the configured resolver, finalizes through the queue, downloads a chain openssl verifies", async () => {
    const client = await registeredClient();
    const order = await client.post<{ authorizations: string[]; finalize: string; status: string }>(
      client.directory.newOrder,
      { identifiers: [{ type: "dns", value: "dns01.example.test" }] },
    );
    expect(order.status, order.text).toBe(201);
    expect(order.body.status).toBe("pending");
    const orderUrl = order.headers.get("location") as string;

    const authz = await client.post<{ challenges: { type: string; url: string; token: string }[] }>(
      order.body.authorizations[0] as string,
      "",
    );
    expect(authz.status, authz.text).toBe(200);
    const challenge = authz.body.challenges.find((c) => c.type === "dns-01");
    expect(challenge, authz.text).toBeDefined();
    const keyAuthorization = `${challenge?.token}.${await client.thumbprint()}`;
    dns.setTxt("_acme-challenge.dns01.example.test", [
      createHash("sha256").update(keyAuthorization).digest("base64url"),
    ]);
    const answered = await client.post(challenge?.url as string, {});
    expect(answered.status, answered.text).toBe(200);
    expect(answered.headers.get("link")).toContain('rel="up"');

    const ready = await pollUntil(
      () => client.post<{ status: string }>(orderUrl, ""),
      (res) => res.body.status !== "pending",
    );
    expect(ready.body.status, ready.text).toBe("ready");

    const { csr } = await makeCsr(["dns01.example.test"]);
    const finalized = await client.post<{ status: string }>(order.body.finalize, { csr });
    expect(finalized.status, finalized.text).toBe(200);
    expect(["processing", "valid"]).toContain(finalized.body.status);

    const valid = await pollUntil(
      () => client.post<{ status: string; certificate?: string }>(orderUrl, ""),
      (res) => res.body.status !== "processing",
    );
    expect(valid.body.status, valid.text).toBe("valid");
    const chain = await client.post<string>(valid.body.certificate as string, "");
    expect(chain.status, chain.text).toBe(200);
    expect(chain.headers.get("content-type")).toContain("application/pem-certificate-chain");
    const pems =
      chain.text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const leaf = await scratch.write("dns01.pem", `${pems[0]}\n`);
    const root = await scratch.write("root.pem", setup.rootPem);
    const verified = await openssl(["verify", "-CAfile", root, leaf]);
    expect(verified.code, verified.stderr).toBe(0);
  });
});

/** Rows of every ACME table and the request table: a refused request changes none. */
async function counts() {
  const [row] = await h.db.db.execute<Record<string, number>>(sql`select
    (select count(*) from acme_accounts)::int as accounts,
    (select count(*) from acme_orders)::int as orders,
    (select count(*) from acme_eab_keys where account_id is not null)::int as used_eab,
    (select count(*) from certificate_requests)::int as requests`);
  return row;
}

function expectProblem(
  res: { status: number; headers: Headers; body: unknown; text: string },
  status: number,
  type: string,
) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type"), res.text).toContain("application/problem+json");
  expect(res.body, res.text).toMatchObject({
    type: `urn:ietf:params:acme:error:${type}`,
    status,
    detail: expect.any(String),
  });
  // Clients retry a badNonce with the fresh nonce every answer carries.
  expect(res.headers.get("replay-nonce"), res.text).toMatch(/^[A-Za-z0-9_-]{22}$/);
}

async function certificateKey(keyFile: string): Promise<SigningKey> {
  const privateKey = await importPKCS8(await readFile(keyFile, "utf8"), "ES256", {
    extractable: true,
  });
  const { kty, crv, x, y } = await exportJWK(privateKey);
  return { alg: "ES256", privateKey, jwk: { kty, crv, x, y } };
}

describe("JWS rules: each violation gets its problem type, and nothing is stored", () => {
  it("refuses an unknown, missing or reused nonce with badNonce", async () => {
    const client = await registeredClient();
    const before = await counts();
    const account = client.kid as string;
    expectProblem(
      await client.post(account, "", { header: { nonce: "A".repeat(22) } }),
      400,
      "badNonce",
    );
    expectProblem(
      await client.post(account, "", { header: { nonce: undefined } }),
      400,
      "badNonce",
    );
    const nonce = await client.freshNonce();
    expect((await client.post(account, "", { header: { nonce } })).status).toBe(200);
    expectProblem(await client.post(account, "", { header: { nonce } }), 400, "badNonce");
    expect(await counts()).toEqual(before);
  });

  it("refuses a wrong url, jwk with kid, an unknown kid, a bad signature, an unsupported alg, a non-JWS body", async () => {
    const client = await registeredClient();
    const before = await counts();
    const newOrder = client.directory.newOrder;
    const order = { identifiers: [{ type: "dns", value: "rules.example.test" }] };
    expectProblem(
      await client.post(newOrder, order, { header: { url: `${newOrder}/other` } }),
      403,
      "unauthorized",
    );
    expectProblem(
      await client.post(newOrder, order, { header: { jwk: client.key.jwk } }),
      400,
      "malformed",
    );
    expectProblem(
      await client.post(newOrder, order, {
        header: { kid: `${client.kid?.slice(0, -36)}${crypto.randomUUID()}` },
      }),
      400,
      "accountDoesNotExist",
    );
    expectProblem(
      await client.post(newOrder, order, { key: await newSigningKey() }),
      400,
      "malformed",
    );
    const nonce = await client.freshNonce();
    const hs256 = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(order)))
      .setProtectedHeader({ alg: "HS256", kid: client.kid, nonce, url: newOrder })
      .sign(new Uint8Array(32));
    const alg = await client.post(newOrder, order, { rawBody: JSON.stringify(hs256) });
    expectProblem(alg, 400, "badSignatureAlgorithm");
    expect(alg.body).toMatchObject({ algorithms: expect.arrayContaining(["ES256", "RS256"]) });
    expectProblem(await client.post(newOrder, order, { rawBody: "{not json" }), 400, "malformed");
    expectProblem(
      await client.post(newOrder, order, { contentType: "application/json" }),
      415,
      "malformed",
    );
    expect(await counts()).toEqual(before);
  });

  it("RS256 and EdDSA account keys work as ES256 does", async () => {
    for (const alg of ["RS256", "EdDSA"]) {
      const client = await JwsClient.connect(
        appFetch(h),
        setup.directoryUrl,
        await newSigningKey(alg),
      );
      const res = await client.register(await createEabKey(h, setup.profileId));
      expect(res.status, `${alg}: ${res.text}`).toBe(201);
      expect((await client.post(client.kid as string, "")).status).toBe(200);
    }
  });
});

describe("accounts and external account binding", () => {
  it("needs an EAB; a wrong MAC or a used key is unauthorized; nothing is stored", async () => {
    const before = await counts();
    const client = await JwsClient.connect(appFetch(h), setup.directoryUrl);
    expectProblem(await client.register(), 400, "externalAccountRequired");
    const eab = await createEabKey(h, setup.profileId);
    expectProblem(
      await client.register({ kid: eab.kid, hmacKey: Buffer.alloc(32, 7).toString("base64url") }),
      403,
      "unauthorized",
    );
    expectProblem(
      await client.register({ kid: crypto.randomUUID(), hmacKey: eab.hmacKey }),
      403,
      "unauthorized",
    );
    // An EAB over another key than the account's own.
    const other = await newSigningKey();
    expectProblem(
      await client.post(
        client.directory.newAccount,
        {
          externalAccountBinding: await externalAccountBinding(
            other,
            eab,
            client.directory.newAccount,
          ),
        },
        { useJwk: true },
      ),
      403,
      "unauthorized",
    );
    expect(await counts()).toEqual(before);

    expect((await client.register(eab)).status).toBe(201);
    const again = await JwsClient.connect(appFetch(h), setup.directoryUrl);
    expectProblem(await again.register(eab), 403, "unauthorized");
  });

  it("returns the existing account, answers onlyReturnExisting, lists orders, changes key, deactivates", async () => {
    const client = await registeredClient();
    const existing = await client.post(
      client.directory.newAccount,
      { onlyReturnExisting: true },
      { useJwk: true },
    );
    expect(existing.status, existing.text).toBe(200);
    expect(existing.headers.get("location")).toBe(client.kid);
    const stranger = await JwsClient.connect(appFetch(h), setup.directoryUrl);
    expectProblem(
      await stranger.post(
        stranger.directory.newAccount,
        { onlyReturnExisting: true },
        { useJwk: true },
      ),
      400,
      "accountDoesNotExist",
    );

    const order = await client.post(client.directory.newOrder, {
      identifiers: [{ type: "dns", value: "list.example.test" }],
    });
    const account = await client.post<{ orders: string }>(client.kid as string, "");
    const orders = await client.post<{ orders: string[] }>(account.body.orders, "");
    expect(orders.body.orders).toContain(order.headers.get("location"));

    const newKey = await newSigningKey();
    const inner = await signJws(
      newKey,
      { jwk: newKey.jwk, url: client.directory.keyChange },
      {
        account: client.kid,
        oldKey: client.key.jwk,
      },
    );
    const changed = await client.post(client.directory.keyChange, inner);
    expect(changed.status, changed.text).toBe(200);
    expectProblem(await client.post(client.kid as string, ""), 400, "malformed");
    client.key = newKey;
    expect((await client.post(client.kid as string, "")).status).toBe(200);

    const deactivated = await client.post<{ status: string }>(client.kid as string, {
      status: "deactivated",
    });
    expect(deactivated.body.status, deactivated.text).toBe("deactivated");
    expectProblem(
      await client.post(client.directory.newOrder, {
        identifiers: [{ type: "dns", value: "late.example.test" }],
      }),
      403,
      "unauthorized",
    );

    // Each account event is one audit row, naming the account (no token signs ACME).
    const accountId = (client.kid as string).split("/").at(-1) as string;
    const audited = await h.db.db.execute<{ action: string; token_id: string | null }>(sql`
      select action, token_id from audit_log
      where target_type = 'acme_account' and target_id = ${accountId} order by seq`);
    expect(audited.map((r) => r.action)).toEqual([
      "acme.account_created",
      "acme.account_key_changed",
      "acme.account_deactivated",
    ]);
    expect(audited.every((r) => r.token_id === null)).toBe(true);
  });
});

describe("orders: policy, readiness, CSR", () => {
  it("refuses identifiers outside the profile's policy with rejectedIdentifier; no order is stored", async () => {
    const client = await registeredClient();
    const before = await counts();
    const res = await client.post(client.directory.newOrder, {
      identifiers: [
        { type: "dns", value: "ok.example.test" },
        { type: "dns", value: "evil.example.com" },
      ],
    });
    expectProblem(res, 400, "rejectedIdentifier");
    expect(res.body).toMatchObject({
      subproblems: [
        expect.objectContaining({ identifier: { type: "dns", value: "evil.example.com" } }),
      ],
    });
    expectProblem(
      await client.post(client.directory.newOrder, {
        identifiers: [{ type: "email", value: "a@example.test" }],
      }),
      400,
      "unsupportedIdentifier",
    );
    expect(await counts()).toEqual(before);
  });

  it("finalize before the order is ready is orderNotReady; nothing is stored", async () => {
    const client = await registeredClient();
    const order = await client.post<{ finalize: string }>(client.directory.newOrder, {
      identifiers: [{ type: "dns", value: "early.example.test" }],
    });
    const before = await counts();
    const { csr } = await makeCsr(["early.example.test"], "early");
    expectProblem(await client.post(order.body.finalize, { csr }), 403, "orderNotReady");
    expect(await counts()).toEqual(before);
  });

  it("a CSR naming other names, an unparsable CSR, a key the policy forbids: badCSR, the order stays ready", async () => {
    const client = await registeredClient();
    const order = await readyOrder(client, "csr.example.test");
    const before = await counts();
    const other = await makeCsr(["other.example.test"], "other");
    expectProblem(await client.post(order.finalize, { csr: other.csr }), 400, "badCSR");
    const both = await makeCsr(["csr.example.test", "more.example.test"], "both");
    expectProblem(await client.post(order.finalize, { csr: both.csr }), 400, "badCSR");
    expectProblem(
      await client.post(order.finalize, { csr: Buffer.from("nonsense").toString("base64url") }),
      400,
      "badCSR",
    );
    // RSA where the profile allows EC P-256 only.
    await h.request("PATCH", `/api/v1/cert-manager/certificate-profiles/${setup.profileId}`, {
      body: { policy: { ...(await profilePolicy()), keyAlgorithms: ["EC_prime256v1"] } },
    });
    try {
      const rsaKey = scratch.file("rsa.key");
      await openssl([
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        rsaKey,
      ]);
      const der = scratch.file("rsa.der");
      await openssl([
        "req",
        "-new",
        "-key",
        rsaKey,
        "-subj",
        "/CN=csr.example.test",
        "-addext",
        "subjectAltName=DNS:csr.example.test",
        "-outform",
        "DER",
        "-out",
        der,
      ]);
      const refused = await client.post(order.finalize, {
        csr: (await readFile(der)).toString("base64url"),
      });
      expectProblem(refused, 400, "badCSR");
      expect(refused.text).toContain("keyAlgorithm");
    } finally {
      const { keyAlgorithms: _k, ...policy } = await profilePolicy();
      await h.request("PATCH", `/api/v1/cert-manager/certificate-profiles/${setup.profileId}`, {
        body: { policy },
      });
    }
    expect(await counts()).toEqual(before);
    expect((await client.post<{ status: string }>(order.url, "")).body.status).toBe("ready");
  });

  it("two finalizes at once make one certificate request", async () => {
    const client = await registeredClient();
    const order = await readyOrder(client, "twice.example.test");
    const { csr } = await makeCsr(["twice.example.test"], "twice");
    const before = await counts();
    const second = new JwsClient(client.fetch, client.directory, client.key);
    second.kid = client.kid;
    const answers = await Promise.all([
      client.post(order.finalize, { csr }),
      second.post(order.finalize, { csr }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 403]);
    expect((await counts())?.requests).toBe((before?.requests ?? 0) + 1);
  });
});

async function profilePolicy(): Promise<Record<string, unknown>> {
  const res = await h.request<{ certificateProfile: { policy: Record<string, unknown> } }>(
    "GET",
    `/api/v1/cert-manager/certificate-profiles/${setup.profileId}`,
  );
  return res.body.certificateProfile.policy;
}

describe("revoke-cert", () => {
  it("by the certificate's own key (jwk), then alreadyRevoked; the certificate reads revoked", async () => {
    const client = await registeredClient();
    const { der, keyFile, leafPem } = await issuedOrder(client, "revoke-key.example.test");
    const revoke = new JwsClient(client.fetch, client.directory, await certificateKey(keyFile));
    const res = await revoke.post(
      client.directory.revokeCert,
      { certificate: der.toString("base64url"), reason: 1 },
      { useJwk: true },
    );
    expect(res.status, res.text).toBe(200);
    expectProblem(
      await revoke.post(
        client.directory.revokeCert,
        { certificate: der.toString("base64url") },
        { useJwk: true },
      ),
      400,
      "alreadyRevoked",
    );
    const serial = (
      await openssl(["x509", "-in", await scratch.write("rk.pem", leafPem), "-noout", "-serial"])
    ).stdout
      .trim()
      .replace(/^serial=/, "")
      .toLowerCase();
    const details = await h.request("GET", `/api/v1/pki/certificates/${serial}`);
    expect(details.status, details.text).toBe(200);
    expect(details.text).toContain("revoked");
    expect(details.text).toContain("KEY_COMPROMISE");
  });

  it("by account: another account, or another key, is unauthorized; the ordering account may", async () => {
    const client = await registeredClient();
    const { der } = await issuedOrder(client, "revoke-acct.example.test");
    const certificate = der.toString("base64url");
    const stranger = await registeredClient();
    expectProblem(
      await stranger.post(client.directory.revokeCert, { certificate }),
      403,
      "unauthorized",
    );
    const wrongKey = new JwsClient(client.fetch, client.directory, await newSigningKey());
    expectProblem(
      await wrongKey.post(client.directory.revokeCert, { certificate }, { useJwk: true }),
      403,
      "unauthorized",
    );
    expectProblem(
      await client.post(client.directory.revokeCert, { certificate, reason: 7 }),
      400,
      "badRevocationReason",
    );
    const res = await client.post(client.directory.revokeCert, { certificate, reason: 4 });
    expect(res.status, res.text).toBe(200);
  });
});

describe("a burst of finalizes", () => {
  it("50 orders finalized at once by concurrent clients are all issued through the queue, each once", async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => registeredClient()));
    const orders = await Promise.all(
      clients.map((client, i) => readyOrder(client, `burst-${i}.example.test`)),
    );
    const csrs = await Promise.all(
      orders.map((_, i) => makeCsr([`burst-${i}.example.test`], `burst-${i}`)),
    );
    const started = performance.now();
    const latencies = await Promise.all(
      clients.map(async (client, i) => {
        const order = orders[i] as { url: string; finalize: string };
        const t0 = performance.now();
        const res = await client.post(order.finalize, { csr: csrs[i]?.csr });
        expect(res.status, res.text).toBe(200);
        const valid = await pollUntil(
          () => client.post<{ status: string }>(order.url, ""),
          (r) => r.body.status !== "processing",
        );
        expect(valid.body.status, valid.text).toBe("valid");
        return performance.now() - t0;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const [row] = await h.db.db.execute<{
      orders: number;
      certificates: number;
      requests: number;
    }>(sql`
      select count(*)::int as orders, count(distinct o.certificate_id)::int as certificates,
        (select count(*) from certificate_requests r join certificates c on c.request_id = r.id
          where r.id in (select certificate_request_id from acme_orders
            where identifiers->0->>'value' like 'burst-%'))::int as requests
      from acme_orders o where o.identifiers->0->>'value' like 'burst-%' and o.status = 'valid'`);
    expect(row).toEqual({ orders: 50, certificates: 50, requests: 50 });
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
    console.log(
      `ACME burst: 50 orders finalized in ${seconds.toFixed(2)} s (${(50 / seconds).toFixed(1)} orders/s); finalize-to-valid p50 ${at(0.5)} ms, p99 ${at(0.99)} ms (clients poll every 50 ms)`,
    );
  }, 180_000);
});

describe("bad bodies on every ACME POST route", () => {
  it("answer a problem document below 500, never a stack or a 500", async () => {
    const client = await registeredClient();
    const id = crypto.randomUUID();
    const base = setup.directoryUrl.replace(/\/directory$/, "");
    const routes = [
      "new-account",
      "new-order",
      "revoke-cert",
      "key-change",
      `accounts/${id}`,
      `accounts/${id}/orders`,
      `orders/${id}`,
      `orders/${id}/finalize`,
      `authz/${id}`,
      `challenges/${id}`,
      `certificates/${id}`,
      "accounts/not-a-uuid",
      "orders/%00",
    ];
    const b64 = (v: unknown) =>
      Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
    const bodies = [
      "",
      "null",
      "[]",
      "42",
      '"jws"',
      "{}",
      '{"protected":1,"payload":"","signature":"x"}',
      JSON.stringify({ protected: "!!!", payload: "", signature: "AA" }),
      JSON.stringify({ protected: b64([1, 2]), payload: "", signature: "AA" }),
      JSON.stringify({ protected: b64({ alg: "none", url: "x" }), payload: "", signature: "AA" }),
      JSON.stringify({
        protected: b64({ alg: "ES256", url: `${base}/new-order`, jwk: { kty: "EC" } }),
        payload: "",
        signature: "AA",
      }),
      JSON.stringify({
        protected: b64({ alg: "ES256", url: `${base}/new-order`, kid: "x".repeat(5000) }),
        payload: b64("{"),
        signature: "AA",
      }),
      JSON.stringify({ signatures: [] }),
    ];
    for (const route of routes) {
      for (const body of bodies) {
        const res = await client.post(`${base}/${route}`, "", { rawBody: body });
        const label = `${route} <- ${body.slice(0, 60)}: ${res.text.slice(0, 200)}`;
        expect(res.status, label).toBeGreaterThanOrEqual(400);
        expect(res.status, label).toBeLessThan(500);
        expect(res.headers.get("content-type"), label).toContain("application/problem+json");
      }
      // A well-signed request with a payload of the wrong shape.
      for (const payload of [
        [],
        "x",
        { identifiers: "all" },
        { csr: 5 },
        { status: "valid" },
        { certificate: "%%%" },
      ]) {
        const res = await client.post(`${base}/${route}`, payload);
        const label = `${route} <- ${JSON.stringify(payload)}: ${res.text.slice(0, 200)}`;
        expect(res.status, label).toBeGreaterThanOrEqual(400);
        expect(res.status, label).toBeLessThan(500);
      }
    }
  }, 120_000);
});
