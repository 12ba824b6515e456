import { createServer, type Server } from "node:http";
import { JwsClient } from "@certq/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appFetch,
  createAcmeProfile,
  createEabKey,
  pollUntil,
} from "../../../test/acme/acme-setup";
import { startDnsServer, type TestDnsServer } from "../../../test/acme/dns-server";
import { freePort } from "../../../test/acme/serve";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let dns: TestDnsServer;
let web: Server;
let http01Port: number;

beforeAll(async () => {
  dns = await startDnsServer();
  // Only 127.0.0.1 is allowed: names resolving elsewhere on loopback are refused.
  h = await createHarness({
    outboundAllow: ["127.0.0.1/32"],
    acmeValidationAttempts: 2,
    acmeValidationBackoffMs: 50,
  });
  http01Port = await freePort();
  web = createServer((_req, res) => res.end("not the key authorization"));
  await new Promise<void>((resolve) => web.listen(http01Port, "127.0.0.1", resolve));
  await h.startAcmeValidation({ http01Port, tlsAlpn01Port: 1, dnsResolver: dns.address });
});
afterAll(async () => {
  await h?.close();
  await dns?.close();
  await new Promise((resolve) => web?.close(resolve));
});

async function http01Attempt(client: JwsClient, name: string) {
  const order = await client.post<{ authorizations: string[] }>(client.directory.newOrder, {
    identifiers: [{ type: "dns", value: name }],
  });
  expect(order.status, order.text).toBe(201);
  const authzUrl = order.body.authorizations[0] as string;
  const authz = await client.post<{ challenges: { type: string; url: string }[] }>(authzUrl, "");
  const challenge = authz.body.challenges.find((c) => c.type === "http-01");
  expect((await client.post(challenge?.url as string, {})).status).toBe(200);
  const done = await pollUntil(
    () => client.post<{ status: string }>(authzUrl, ""),
    (r) => r.body.status !== "pending",
  );
  const final = await client.post<{ status: string; error?: { type: string; detail: string } }>(
    challenge?.url as string,
    "",
  );
  const orderState = await client.post<{ status: string }>(
    order.headers.get("location") as string,
    "",
  );
  const job = await h.acme.validationQueue.getJob(
    `challenge-${(challenge?.url ?? "").split("/").pop()}`,
  );
  return {
    authz: done.body.status,
    challenge: final.body,
    order: orderState.body.status,
    attempts: job?.attemptsMade,
  };
}

describe("challenge validation", () => {
  it("a name resolving to an address the outbound policy refuses fails at once, naming the allowlist", async () => {
    const { profileId, directoryUrl } = await createAcmeProfile(h, { challengeTypes: ["http-01"] });
    const client = await JwsClient.connect(appFetch(h), directoryUrl);
    expect((await client.register(await createEabKey(h, profileId))).status).toBe(201);
    dns.setA("refused.example.test", "127.0.0.2");
    const result = await http01Attempt(client, "refused.example.test");
    expect(result.authz).toBe("invalid");
    expect(result.order).toBe("invalid");
    expect(result.challenge.status).toBe("invalid");
    expect(result.challenge.error?.type).toBe("urn:ietf:params:acme:error:connection");
    expect(result.challenge.error?.detail).toContain("CERTQ_OUTBOUND_ALLOW");
    // Permanent: not retried.
    expect(result.attempts).toBe(1);
  });

  it("a wrong http-01 answer is retried, then the challenge ends invalid with incorrectResponse", async () => {
    const { profileId, directoryUrl } = await createAcmeProfile(h, { challengeTypes: ["http-01"] });
    const client = await JwsClient.connect(appFetch(h), directoryUrl);
    expect((await client.register(await createEabKey(h, profileId))).status).toBe(201);
    const result = await http01Attempt(client, "wrong.example.test");
    expect(result.authz).toBe("invalid");
    expect(result.challenge.error?.type).toBe("urn:ietf:params:acme:error:incorrectResponse");
    expect(result.attempts).toBe(2);
  });
});

describe("profiles and directories", () => {
  it("a profile without enrollment.acme has no directory; requireEab false takes accounts without EAB", async () => {
    const off = await createAcmeProfile(h, {});
    await h.request("PATCH", `/api/v1/cert-manager/certificate-profiles/${off.profileId}`, {
      body: { enrollment: {} },
    });
    const missing = await h.app.request(off.directoryUrl);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");

    const open = await createAcmeProfile(h, { requireEab: false });
    const directory = (await (await h.app.request(open.directoryUrl)).json()) as {
      meta: { externalAccountRequired: boolean };
      newNonce: string;
    };
    expect(directory.meta.externalAccountRequired).toBe(false);
    const nonce = await h.app.request(directory.newNonce, { method: "HEAD" });
    expect(nonce.status).toBe(200);
    expect(nonce.headers.get("replay-nonce")).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await h.app.request(directory.newNonce)).status).toBe(204);
    const client = await JwsClient.connect(appFetch(h), open.directoryUrl);
    expect((await client.register()).status).toBe(201);
  });
});
