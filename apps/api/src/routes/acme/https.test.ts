import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import path from "node:path";
import {
  apiCommand,
  freePort,
  openssl,
  type ServerProcess,
  scratchDir,
  startServerProcess,
} from "@certq/core/testing";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { opensslCsr, opensslRoot, opensslSignCsr } from "@certq/pki/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../test/acme/acme-setup";
import { startDnsServer, type TestDnsServer } from "../../../test/acme/dns-server";
import { TEST_POLICY } from "../../../test/fixtures";
import { deleteTestRedisKeys, TEST_REDIS_URL } from "../../../test/harness";

const prefix = `{test-${randomUUID()}}`;
const adminToken = `certq_admin_${randomBytes(16).toString("hex")}`;

let db: TestDatabase;
let dns: TestDnsServer;
let server: ServerProcess;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let baseUrl: string;
let tlsCa: string;
let http01Port: number;

/** A JSON call over HTTPS, trusting only the test's TLS CA. */
async function api<T>(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const ca = await readFile(tlsCa);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || "null") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// `npm start` as a process serving HTTPS itself (CERTQ_TLS_CERT/KEY), an ACME client over it.
beforeAll(async () => {
  scratch = await scratchDir();
  dns = await startDnsServer();
  db = await createTestDatabase();
  const ext = await scratch.write("ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const ca = opensslRoot(scratch.dir, "tls-ca", { subject: "/CN=TLS Test CA", days: 2 });
  tlsCa = ca.certificateFile;
  const key = scratch.file("tls.key");
  const csr = opensslCsr(key, "/CN=127.0.0.1");
  const cert = await scratch.write(
    "tls.pem",
    opensslSignCsr(csr, ca, { serial: "01", days: 2, extensionsFile: ext }),
  );
  const port = await freePort();
  http01Port = await freePort();
  baseUrl = `https://127.0.0.1:${port}`;
  server = await startServerProcess({
    command: apiCommand("main-all.ts"),
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      PORT: String(port),
      HOST: "127.0.0.1",
      CERTQ_PUBLIC_URL: baseUrl,
      CERTQ_TLS_CERT: cert,
      CERTQ_TLS_KEY: key,
      CERTQ_ADMIN_TOKEN: adminToken,
      CERTQ_KEK: randomBytes(32).toString("base64"),
      CERTQ_QUEUE_PREFIX: prefix,
      CERTQ_KEY_POOL: "none",
      CERTQ_ACME_HTTP01_PORT: String(http01Port),
      CERTQ_ACME_DNS_RESOLVER: dns.address,
      CERTQ_OUTBOUND_ALLOW: "127.0.0.0/8",
      LOG_LEVEL: "info",
    },
    tls: true,
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await db?.drop();
  await dns?.close();
  await scratch?.cleanup();
  await deleteTestRedisKeys(prefix);
});

describe("ACME over certq's own HTTPS", () => {
  it("lego trusts the TLS root through LEGO_CA_CERTIFICATES, completes http-01, and openssl verifies the chain", async () => {
    const ca = await api<{ certificateAuthority: { id: string } }>(
      "POST",
      `${baseUrl}/api/v1/pki/ca`,
      {
        type: "root",
        commonName: "HTTPS ACME Root",
        keyAlgorithm: "EC_prime256v1",
      },
    );
    expect(ca.status).toBe(200);
    const caId = ca.body.certificateAuthority.id;
    const profile = await api<{ certificateProfile: { id: string; acmeDirectoryUrl: string } }>(
      "POST",
      `${baseUrl}/api/v1/cert-manager/certificate-profiles`,
      {
        slug: "https-acme",
        caId,
        defaults: { ttl: "30d" },
        policy: TEST_POLICY,
        enrollment: { acme: {} },
      },
    );
    expect(profile.status).toBe(200);
    const { id, acmeDirectoryUrl } = profile.body.certificateProfile;
    expect(acmeDirectoryUrl.startsWith("https://")).toBe(true);
    const eab = await api<{ eabKey: { id: string; hmacKey: string } }>(
      "POST",
      `${baseUrl}/api/v1/cert-manager/certificate-profiles/${id}/acme/eab-keys`,
      {},
    );
    expect(eab.status).toBe(201);
    const dir = path.join(scratch.dir, "lego");
    await run(
      "lego",
      [
        "--server",
        acmeDirectoryUrl,
        "--path",
        dir,
        "--accept-tos",
        "--email",
        "ops@example.test",
        "--eab",
        `--kid=${eab.body.eabKey.id}`,
        `--hmac=${eab.body.eabKey.hmacKey}`,
        "--http",
        "--http.port",
        `127.0.0.1:${http01Port}`,
        "-d",
        "https.example.test",
        "run",
      ],
      { env: { ...process.env, LEGO_CA_CERTIFICATES: tlsCa }, timeout: 60_000 },
    );
    const rootPem = await api<{ certificate: string }>(
      "GET",
      `${baseUrl}/api/v1/pki/ca/${caId}/certificate`,
    );
    const rootFile = await scratch.write("root.pem", rootPem.body.certificate);
    const leaf = path.join(dir, "certificates", "https.example.test.crt");
    const verified = await openssl(["verify", "-CAfile", rootFile, "-untrusted", leaf, leaf]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  }, 120_000);
});
