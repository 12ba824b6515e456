import { readFile } from "node:fs/promises";
import path from "node:path";
import { openssl, scratchDir } from "@certq/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AcmeProfileSetup,
  createAcmeProfile,
  createEabKey,
  run,
} from "../../../test/acme/acme-setup";
import { startDnsServer, type TestDnsServer } from "../../../test/acme/dns-server";
import { freePort, serveHarness } from "../../../test/acme/serve";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let dns: TestDnsServer;
let setup: AcmeProfileSetup;
let server: Awaited<ReturnType<typeof serveHarness>>;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let http01Port: number;
let tlsAlpn01Port: number;

beforeAll(async () => {
  dns = await startDnsServer();
  h = await createHarness({ outboundAllow: ["127.0.0.0/8"] });
  server = await serveHarness(h);
  await h.startWorker(2);
  http01Port = await freePort();
  tlsAlpn01Port = await freePort();
  await h.startAcmeValidation({ http01Port, tlsAlpn01Port, dnsResolver: dns.address });
  setup = await createAcmeProfile(h, { requireEab: true });
  scratch = await scratchDir();
});
afterAll(async () => {
  if (process.env.ACME_DEBUG)
    console.log(h.logs.filter((l) => /ACME|challenge|error/i.test(l)).join(""));
  await server?.close();
  await h?.close();
  await dns?.close();
  await scratch?.cleanup();
});

async function lego(args: string[], dir: string) {
  try {
    return await run(
      "lego",
      [
        "--server",
        setup.directoryUrl,
        "--path",
        dir,
        "--accept-tos",
        "--email",
        "ops@example.test",
        ...args,
      ],
      {
        env: { ...process.env, LEGO_DISABLE_CNAME_SUPPORT: "true" },
        timeout: 40_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`lego failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

async function certbot(args: string[], dir: string) {
  try {
    return await run(
      "certbot",
      [
        ...args,
        "--server",
        setup.directoryUrl,
        "--config-dir",
        path.join(dir, "config"),
        "--work-dir",
        path.join(dir, "work"),
        "--logs-dir",
        path.join(dir, "logs"),
        "--non-interactive",
        "--agree-tos",
        "-m",
        "ops@example.test",
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`certbot failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

async function verifyChain(file: string) {
  const root = await scratch.write("root.pem", setup.rootPem);
  const verified = await openssl(["verify", "-CAfile", root, "-untrusted", file, file]);
  expect(verified.code, `${verified.stdout}${verified.stderr}`).toBe(0);
}

describe("lego", () => {
  it("registers with EAB, completes http-01, gets a certificate openssl verifies", async () => {
    const eab = await createEabKey(h, setup.profileId);
    const dir = path.join(scratch.dir, "lego-http");
    await lego(
      [
        "--eab",
        `--kid=${eab.kid}`,
        `--hmac=${eab.hmacKey}`,
        "--http",
        "--http.port",
        `127.0.0.1:${http01Port}`,
        "-d",
        "www.example.test",
        "run",
      ],
      dir,
    );
    const cert = path.join(dir, "certificates", "www.example.test.crt");
    await verifyChain(cert);
    const text = await openssl(["x509", "-in", cert, "-noout", "-ext", "subjectAltName"]);
    expect(text.stdout).toContain("DNS:www.example.test");
    expect((await readFile(cert, "utf8")).length).toBeGreaterThan(0);
  });

  it("completes tls-alpn-01, renews, then revokes: OCSP answers revoked", async () => {
    const eab = await createEabKey(h, setup.profileId);
    const dir = path.join(scratch.dir, "lego-tls");
    const common = [
      "--eab",
      `--kid=${eab.kid}`,
      `--hmac=${eab.hmacKey}`,
      "--tls",
      "--tls.port",
      `127.0.0.1:${tlsAlpn01Port}`,
      "-d",
      "tls.example.test",
    ];
    await lego([...common, "run"], dir);
    const cert = path.join(dir, "certificates", "tls.example.test.crt");
    await verifyChain(cert);
    const first = (await openssl(["x509", "-in", cert, "-noout", "-serial"])).stdout;

    // Debian's lego (4.9.1) predates ARI: it never reads renewalInfo nor sends `replaces`,
    // so this renewal is a plain new order (renewal-info.test.ts covers `replaces`).
    await lego([...common, "renew", "--days", "365", "--no-random-sleep"], dir);
    await verifyChain(cert);
    const renewed = (await openssl(["x509", "-in", cert, "-noout", "-serial"])).stdout;
    expect(renewed).not.toBe(first);

    const kept = await scratch.write("tls-renewed.pem", await readFile(cert, "utf8"));
    await lego([...common, "revoke", "--reason", "4"], dir);
    // The existing revocation path answers for it: OCSP says revoked, with lego's reason.
    const root = await scratch.write("root.pem", setup.rootPem);
    const ocsp = await openssl([
      "ocsp",
      "-issuer",
      root,
      "-CAfile",
      root,
      "-url",
      `${server.url}/ocsp`,
      "-cert",
      kept,
    ]);
    expect(ocsp.stdout + ocsp.stderr).toMatch(/Response verify OK/);
    expect(ocsp.stdout).toMatch(/: revoked/);
    expect(ocsp.stdout).toMatch(/Reason: superseded/);
  });
});

describe("certbot", () => {
  it("registers with EAB, completes http-01 standalone, renews and revokes", async () => {
    const eab = await createEabKey(h, setup.profileId);
    const dir = path.join(scratch.dir, "certbot");
    const standalone = [
      "--standalone",
      "--http-01-port",
      String(http01Port),
      "--http-01-address",
      "127.0.0.1",
    ];
    await certbot(
      [
        "certonly",
        ...standalone,
        `--eab-kid=${eab.kid}`,
        `--eab-hmac-key=${eab.hmacKey}`,
        "-d",
        "certbot.example.test",
      ],
      dir,
    );
    const live = path.join(dir, "config", "live", "certbot.example.test");
    await verifyChain(path.join(live, "fullchain.pem"));
    const first = (await openssl(["x509", "-in", path.join(live, "cert.pem"), "-noout", "-serial"]))
      .stdout;

    await certbot(["renew", "--force-renewal", "--no-random-sleep-on-renew", ...standalone], dir);
    const renewedFile = path.join(live, "cert.pem");
    await verifyChain(path.join(live, "fullchain.pem"));
    const renewed = (await openssl(["x509", "-in", renewedFile, "-noout", "-serial"])).stdout;
    expect(renewed).not.toBe(first);

    await certbot(
      [
        "revoke",
        "--cert-path",
        renewedFile,
        "--reason",
        "cessationofoperation",
        "--no-delete-after-revoke",
      ],
      dir,
    );
    const root = await scratch.write("root.pem", setup.rootPem);
    const ocsp = await openssl([
      "ocsp",
      "-issuer",
      root,
      "-CAfile",
      root,
      "-url",
      `${server.url}/ocsp`,
      "-cert",
      renewedFile,
    ]);
    expect(ocsp.stdout).toMatch(/: revoked/);
    expect(ocsp.stdout).toMatch(/Reason: cessationOfOperation/);
  }, 240_000);
});
