import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { JwsClient, openssl, type scratchDir } from "@certq/core/testing";
import { expect } from "vitest";
import type { Harness } from "../harness";
import { type AcmeProfileSetup, appFetch, createEabKey, pollUntil } from "./acme-setup";
import type { TestDnsServer } from "./dns-server";

type Scratch = Awaited<ReturnType<typeof scratchDir>>;

/**
 * The steps most ACME tests take before the part they are about, through the JWS client
 * and the test DNS server (dns-01): a registered account, a ready order, an issued one.
 * Made in beforeAll, once the harness and the profile exist.
 */
export function acmeFlow(env: {
  h: Harness;
  dns: TestDnsServer;
  scratch: Scratch;
  setup: AcmeProfileSetup;
}) {
  /** A CSR (DER, base64url) for these names with a fresh P-256 key; the key's PEM path too. */
  async function makeCsr(names: string[], name = "csr") {
    const key = env.scratch.file(`${name}.key`);
    await openssl([
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-out",
      key,
    ]);
    const der = env.scratch.file(`${name}.der`);
    const result = await openssl([
      "req",
      "-new",
      "-key",
      key,
      "-subj",
      `/CN=${names[0]}`,
      "-addext",
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`,
      "-outform",
      "DER",
      "-out",
      der,
    ]);
    expect(result.code, result.stderr).toBe(0);
    return { csr: (await readFile(der)).toString("base64url"), keyFile: key };
  }

  async function registeredClient() {
    const { h, setup } = env;
    const client = await JwsClient.connect(appFetch(h), setup.directoryUrl);
    const res = await client.register(await createEabKey(h, setup.profileId));
    expect(res.status, res.text).toBe(201);
    return client;
  }

  /** An order for `name` proven through dns-01, left ready for finalize. */
  async function readyOrder(client: JwsClient, name: string, extra: Record<string, unknown> = {}) {
    const order = await client.post<{ authorizations: string[]; finalize: string }>(
      client.directory.newOrder,
      { identifiers: [{ type: "dns", value: name }], ...extra },
    );
    expect(order.status, order.text).toBe(201);
    const authz = await client.post<{ challenges: { type: string; url: string; token: string }[] }>(
      order.body.authorizations[0] as string,
      "",
    );
    const challenge = authz.body.challenges.find((c) => c.type === "dns-01");
    const keyAuthorization = `${challenge?.token}.${await client.thumbprint()}`;
    env.dns.setTxt(`_acme-challenge.${name}`, [
      createHash("sha256").update(keyAuthorization).digest("base64url"),
    ]);
    expect((await client.post(challenge?.url as string, {})).status).toBe(200);
    const url = order.headers.get("location") as string;
    const ready = await pollUntil(
      () => client.post<{ status: string }>(url, ""),
      (r) => r.body.status !== "pending",
    );
    expect(ready.body.status, ready.text).toBe("ready");
    return { url, finalize: order.body.finalize, body: order.body as Record<string, unknown> };
  }

  /** Finalizes a ready order and waits for it to be valid; the leaf as DER and PEM. */
  async function finalizeUntilValid(
    client: JwsClient,
    order: { url: string; finalize: string },
    name: string,
  ) {
    const { csr, keyFile } = await makeCsr([name], name);
    const finalized = await client.post(order.finalize, { csr });
    expect(finalized.status, finalized.text).toBe(200);
    const valid = await pollUntil(
      () => client.post<{ status: string; certificate: string }>(order.url, ""),
      (r) => r.body.status !== "processing",
    );
    expect(valid.body.status, valid.text).toBe("valid");
    const chain = await client.post<string>(valid.body.certificate, "");
    const leafPem = chain.text.match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/,
    )?.[0] as string;
    const der = Buffer.from(leafPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    return { der, keyFile, leafPem, orderUrl: order.url };
  }

  async function issuedOrder(client: JwsClient, name: string, extra: Record<string, unknown> = {}) {
    return finalizeUntilValid(client, await readyOrder(client, name, extra), name);
  }

  return { makeCsr, registeredClient, readyOrder, finalizeUntilValid, issuedOrder };
}
