import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  apiCommand,
  freePort,
  REPO_ROOT as root,
  type ServerProcess,
  scratchDir,
  startServerProcess,
} from "@certq/core/testing";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./acme/acme-setup";
import { startDnsServer, type TestDnsServer } from "./acme/dns-server";
import { deleteTestRedisKeys, TEST_REDIS_URL } from "./harness";

const README = readFileSync(path.join(root, "README.md"), "utf8");

/** The first ```sh block after a `<!-- readme-test: name -->` marker, or one starting with `start`. */
function shellBlock(find: { marker: string } | { start: string }): string {
  const from =
    "marker" in find
      ? README.indexOf(`<!-- readme-test: ${find.marker} -->`)
      : README.indexOf(`\`\`\`sh\n${find.start}`);
  if (from < 0) throw new Error(`README block ${JSON.stringify(find)} not found`);
  const open = README.indexOf("```sh\n", from) + "```sh\n".length;
  return README.slice(open, README.indexOf("\n```", open));
}

const prefix = `{test-${randomUUID()}}`;
let db: TestDatabase;
let dns: TestDnsServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let apiPort: number;
let http01Port: number;
const servers: ServerProcess[] = [];

/** The README's ports, made free ones: the only change made to the text of its blocks. */
function onFreePorts(block: string): string {
  return block.replaceAll("8080", String(apiPort)).replaceAll("5002", String(http01Port));
}

function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: scratch.dir,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    PORT: String(apiPort),
    CERTQ_KEK: KEK,
    CERTQ_QUEUE_PREFIX: prefix,
    CERTQ_KEY_POOL: "none",
    LOG_LEVEL: "info",
  };
}
const KEK = randomBytes(32).toString("base64");

/** Starts a process group (so npm's children stop with it) and waits until the API listens. */
async function startServer(command: string[], env: Record<string, string>, tls: boolean) {
  const server = await startServerProcess({ command, env, group: true, tls });
  servers.push(server);
  return server;
}

async function bash(script: string, env: Record<string, string>) {
  try {
    return await run("bash", ["-euo", "pipefail", "-c", script], {
      cwd: scratch.dir,
      env,
      timeout: 150_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`README block failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  dns = await startDnsServer();
  scratch = await scratchDir();
  apiPort = await freePort();
  http01Port = await freePort();
});
afterAll(async () => {
  for (const server of servers) await server.stop();
  await db?.drop();
  await dns?.close();
  await scratch?.cleanup();
  await deleteTestRedisKeys(prefix);
});

describe("the README's walk-through and ACME blocks, run as pasted", () => {
  it("walk-through, then certq on its own HTTPS certificate, lego and certbot get certificates openssl verifies", async () => {
    // The walk-through's `npm start`, with its admin token.
    const plain = await startServer(
      apiCommand("main-all.ts"),
      { ...baseEnv(), CERTQ_ADMIN_TOKEN: "dev-admin-token-change-me" },
      false,
    );
    const walkThrough = onFreePorts(shellBlock({ start: "export CERTQ=http://localhost:8080" }));
    const walked = await bash(`${walkThrough}\necho "PROFILE_ID=$PROFILE_ID"`, baseEnv());
    expect(walked.stdout).toContain("key matches");
    const profileId = /PROFILE_ID=([0-9a-f-]{36})/.exec(walked.stdout)?.[1];
    if (!profileId)
      throw new Error(`no profile ID in the walk-through's output:\n${walked.stdout}`);
    await plain.stop();

    // The ACME section's server block, `npm start` and all; challenge names resolve to
    // loopback through the test's DNS server, as /etc/hosts would for a user.
    await startServer(
      ["bash", "-euo", "pipefail", "-c", onFreePorts(shellBlock({ marker: "acme-server" }))],
      { ...baseEnv(), PROFILE_ID: profileId, CERTQ_ACME_DNS_RESOLVER: dns.address },
      true,
    );
    const auth = /export AUTH="([^"]+)"/.exec(walkThrough)?.[1] ?? "";
    const clients = await bash(onFreePorts(shellBlock({ marker: "acme-clients" })), {
      ...baseEnv(),
      AUTH: auth,
      PROFILE_ID: profileId,
    });
    expect(clients.stdout).toContain(`/acme/profiles/${profileId}/directory`);
    expect(clients.stdout).toContain("lego/certificates/localhost.crt: OK");
    expect(clients.stdout).toContain("certbot/live/www.example.com/cert.pem: OK");

    // certq's own TLS certificate: from the profile's CA, for the names asked.
    const served = await bash(
      `openssl s_client -connect 127.0.0.1:${apiPort} -servername localhost -CAfile root.pem \
        -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName`,
      baseEnv(),
    );
    expect(served.stdout).toContain("DNS:localhost");
    expect(served.stdout).toContain("IP Address:127.0.0.1");
  }, 300_000);
});
