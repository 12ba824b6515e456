import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness";
import { openssl, scratchDir } from "./openssl";
import { appFetch, createAcmeProfile, createEabKey, type AcmeProfileSetup, pollUntil } from "./acme/acme-setup";
import { startDnsServer, type TestDnsServer } from "./acme/dns-server";
import { JwsClient } from "./acme/jws-client";

let h: Harness;
let dns: TestDnsServer;
let setup: AcmeProfileSetup;
let scratch: Awaited<ReturnType<typeof scratchDir>>;

beforeAll(async () => {
  dns = await startDnsServer();
  h = await createHarness({ outboundAllow: ["127.0.0.0/8"] });
  await h.startWorker(2);
  await h.startAcmeValidation({ http01Port: 1, tlsAlpn01Port: 1, dnsResolver: dns.address });
  setup = await createAcmeProfile(h, { requireEab: true });
  scratch = await scratchDir();
});
afterAll(async () => {
  await h?.close();
  await dns?.close();
  await scratch?.cleanup();
});

/** A CSR (DER, base64url) for these names with a fresh P-256 key; the key's PEM path too. */
async function makeCsr(names: string[], name = "csr") {
  const key = scratch.file(`${name}.key`);
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
  const der = scratch.file(`${name}.der`);
  const result = await openssl([
    "req", "-new", "-key", key, "-subj", `/CN=${names[0]}`,
    "-addext", `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`,
    "-outform", "DER", "-out", der,
  ]);
  expect(result.code, result.stderr).toBe(0);
  return { csr: (await readFile(der)).toString("base64url"), keyFile: key };
}

async function registeredClient() {
  const client = await JwsClient.connect(appFetch(h), setup.directoryUrl);
  const res = await client.register(await createEabKey(h, setup.profileId));
  expect(res.status, res.text).toBe(201);
  return client;
}

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
    dns.setTxt(
      "_acme-challenge.dns01.example.test",
      [createHash("sha256").update(keyAuthorization).digest("base64url")],
    );
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
    const pems = chain.text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const leaf = await scratch.write("dns01.pem", `${pems[0]}\n`);
    const root = await scratch.write("root.pem", setup.rootPem);
    const verified = await openssl(["verify", "-CAfile", root, leaf]);
    expect(verified.code, verified.stderr).toBe(0);
  });
});
