import { createServer, type Server } from "node:http";
import { JwsClient } from "@certq/core/testing";
import { createCsr, decodePem, defaultSignatureAlgorithm, generateKeyPair } from "@certq/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { delay, FaultWorld, freePort } from "./process-harness";

const ORDERS = 60;
const NAME = { type: "ip", value: "127.0.0.1" };

/** The http-01 responder every client shares: token -> key authorization. */
function startChallengeServer(port: number) {
  const answers = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const token = req.url?.split("/.well-known/acme-challenge/")[1] ?? "";
    const answer = answers.get(token);
    res.writeHead(answer ? 200 : 404, { "content-type": "text/plain" }).end(answer ?? "");
  });
  return new Promise<{ answers: Map<string, string>; close: () => Promise<void> }>((resolve) =>
    server.listen(port, "127.0.0.1", () =>
      resolve({
        answers,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

/** A CSR (DER, base64url) for 127.0.0.1 with a fresh P-256 key. */
async function ipCsr(): Promise<string> {
  const keys = await generateKeyPair("EC_prime256v1");
  const pem = await createCsr({
    subject: {},
    altNames: [{ type: "ip_address", value: NAME.value }],
    publicKeySpki: keys.publicKeySpki,
    privateKeyPkcs8: keys.privateKeyPkcs8,
    keyAlgorithm: "EC_prime256v1",
    signatureAlgorithm: defaultSignatureAlgorithm("EC_prime256v1"),
  });
  return decodePem(pem, "CERTIFICATE REQUEST", "csr").toString("base64url");
}

/** POST-as-GET until `done` holds; each poll is one request, as a client polls. */
async function pollOrder(client: JwsClient, url: string, done: (status: string) => boolean) {
  for (let i = 0; ; i++) {
    const res = await client.post<{ status: string }>(url, "");
    if (done(res.body.status) || i >= 1_200) return res;
    await delay(100);
  }
}

describe("ACME orders finalized while the worker issuing them is killed with SIGKILL", () => {
  let world: FaultWorld;
  let challenges: Awaited<ReturnType<typeof startChallengeServer>>;
  beforeAll(async () => {
    const http01Port = await freePort();
    challenges = await startChallengeServer(http01Port);
    world = await FaultWorld.create({
      env: { CERTQ_ACME_HTTP01_PORT: String(http01Port), CERTQ_OUTBOUND_ALLOW: "127.0.0.0/8" },
    });
  }, 60_000);
  afterAll(async () => {
    await world?.close();
    await challenges?.close();
  }, 60_000);

  it("every order still ends valid, with exactly one certificate, once another worker takes over", async () => {
    world.reportOnFailure();
    const api = await world.startApi();
    // One job at a time on A, and an RSA-4096 CA: the batch takes long enough to kill it mid-way.
    const workerA = await world.startWorker({ CERTQ_WORKER_CONCURRENCY: "1" });
    const ca = await world.call<{ certificateAuthority: { id: string } }>(
      "POST",
      "/api/v1/pki/ca",
      {
        body: {
          type: "root",
          commonName: `ACME Fault Root ${world.prefix}`,
          keyAlgorithm: "RSA_4096",
        },
        timeoutMs: 60_000,
      },
    );
    expect(ca.status, ca.text).toBe(200);
    const profile = await world.call<{
      certificateProfile: { id: string; acmeDirectoryUrl: string };
    }>("POST", "/api/v1/cert-manager/certificate-profiles", {
      body: {
        slug: `acme-fault-${world.prefix.slice(7, 15)}`,
        caId: ca.body.certificateAuthority.id,
        defaults: { ttl: "30d", extendedKeyUsages: ["server_auth"] },
        policy: { altNames: { ip_address: ["127.0.0.0/8"] } },
        enrollment: { acme: { requireEab: false, challengeTypes: ["http-01"] } },
      },
    });
    expect(profile.status, profile.text).toBe(200);
    const directoryUrl = profile.body.certificateProfile.acmeDirectoryUrl;
    expect(directoryUrl.startsWith(api.baseUrl), directoryUrl).toBe(true);

    // Every order made ready (validated by worker A) before any is finalized.
    const orders = await Promise.all(
      Array.from({ length: ORDERS }, async () => {
        const client = await JwsClient.connect(fetch, directoryUrl);
        const account = await client.register();
        expect(account.status, account.text).toBe(201);
        const order = await client.post<{ authorizations: string[]; finalize: string }>(
          client.directory.newOrder,
          { identifiers: [NAME] },
        );
        expect(order.status, order.text).toBe(201);
        const url = order.headers.get("location") as string;
        const authz = await client.post<{
          challenges: { type: string; url: string; token: string }[];
        }>(order.body.authorizations[0] as string, "");
        const challenge = authz.body.challenges.find((c) => c.type === "http-01");
        expect(challenge, authz.text).toBeDefined();
        const token = challenge?.token as string;
        challenges.answers.set(token, `${token}.${await client.thumbprint()}`);
        expect((await client.post(challenge?.url as string, {})).status).toBe(200);
        const ready = await pollOrder(client, url, (status) => status !== "pending");
        expect(ready.body.status, ready.text).toBe("ready");
        return { client, url, finalize: order.body.finalize, csr: await ipCsr() };
      }),
    );
    const orderIds = orders.map((order) => order.url.split("/").at(-1) as string);
    const requests = async () => {
      const rows = await world.observer<{ status: string; count: number }[]>`
        select r.status, count(*)::int as count from acme_orders o
        join certificate_requests r on r.id = o.certificate_request_id
        where o.id = any(${orderIds}::uuid[]) group by r.status`;
      return Object.fromEntries(rows.map((row) => [row.status, row.count]));
    };

    // Finalize all at once; kill A while it holds a job and some requests still wait.
    const finalized = Promise.all(
      orders.map(async (order) => {
        const res = await order.client.post<{ status: string }>(order.finalize, { csr: order.csr });
        expect(res.status, res.text).toBe(200);
      }),
    );
    const atKill = await world.waitFor(
      async () => {
        const counts = await requests();
        if ((counts.issued ?? 0) < 3 || (counts.pending ?? 0) === 0) return undefined;
        return (await world.issuanceJobs("active")) > 0 ? counts : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 10, describe: async () => JSON.stringify(await requests()) },
    );
    workerA.signal("SIGKILL");
    expect((await workerA.exited).signal).toBe("SIGKILL");
    await finalized;
    const afterKill = await requests();
    expect(afterKill.pending ?? 0, "every request was issued before the kill").toBeGreaterThan(0);

    await world.startWorker({ CERTQ_WORKER_CONCURRENCY: "4" });
    const ends = await Promise.all(
      orders.map((order) =>
        pollOrder(order.client, order.url, (status) => status !== "processing"),
      ),
    );
    expect(
      ends.filter((end) => end.body.status !== "valid").map((end) => end.text),
      "orders not valid",
    ).toEqual([]);

    const [issued] = await world.observer<
      { orders: number; requests: number; certificates: number; most: number }[]
    >`
      select count(distinct o.id)::int as orders, count(distinct r.id)::int as requests,
        count(c.id)::int as certificates,
        coalesce(max(per.n), 0)::int as most
      from acme_orders o
      join certificate_requests r on r.id = o.certificate_request_id and r.status = 'issued'
      join certificates c on c.request_id = r.id and c.id = o.certificate_id
      left join lateral (select count(*) as n from certificates x where x.request_id = r.id) per on true
      where o.id = any(${orderIds}::uuid[]) and o.status = 'valid'`;
    console.log(
      `ACME kill -9 worker: ${ORDERS} orders, issued at the kill=${atKill.issued}, pending after it=${afterKill.pending}; all valid: ${issued?.orders}, certificates=${issued?.certificates}`,
    );
    expect(issued).toEqual({
      orders: ORDERS,
      requests: ORDERS,
      certificates: ORDERS,
      most: 1,
    });
  }, 240_000);
});
