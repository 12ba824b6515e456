import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { openssl } from "@certq/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CertqProcess, startCertqProcess } from "./certq-process";

const run = promisify(execFile);
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/certq.js");

let certqServer: CertqProcess;
let url: string;
let dir: string;

beforeAll(async () => {
  certqServer = await startCertqProcess();
  url = certqServer.url;
  dir = await mkdtemp(path.join(tmpdir(), "certq-cli-"));
});
afterAll(async () => {
  await certqServer?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI as a user would; returns exit code and output. */
async function certq(args: string[], token = certqServer.adminToken) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? "", CERTQ_URL: url, CERTQ_TOKEN: token },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("certq CLI", () => {
  it("creates a CA, a profile and a token, issues a certificate, and the files verify with openssl", async () => {
    const ca = await certq([
      "ca",
      "create",
      "--cn",
      "CLI Root",
      "--key-algorithm",
      "EC_prime256v1",
    ]);
    expect(ca.code, ca.stderr).toBe(0);
    const caId = JSON.parse(ca.stdout).id;
    const profile = await certq([
      "profile",
      "create",
      "--slug",
      "cli",
      "--ca",
      caId,
      "--allow",
      "*.example.test",
    ]);
    expect(profile.code, profile.stderr).toBe(0);
    const profileId = JSON.parse(profile.stdout).id;
    const token = await certq([
      "token",
      "create",
      "--name",
      "cli",
      "--scope",
      "certificates:issue",
      "--scope",
      "certificates:read",
      "--scope",
      "certificates:read-private-key",
    ]);
    expect(token.code, token.stderr).toBe(0);
    const issuer = JSON.parse(token.stdout).value;

    const out = path.join(dir, "app");
    const issued = await certq(
      [
        "issue",
        "--profile",
        profileId,
        "--cn",
        "app.example.test",
        "--san",
        "dns:app.example.test",
        "--key-algorithm",
        "EC_prime256v1",
        "--ttl",
        "30d",
        "--out",
        out,
      ],
      issuer,
    );
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stderr).toMatch(/submitted .*waiting/);
    const { requestId } = JSON.parse(issued.stdout);

    const rootFile = path.join(dir, "root.pem");
    const root = (await (await fetch(`${url}/api/v1/pki/ca/${caId}/certificate`)).json()) as {
      certificate: string;
    };
    await writeFile(rootFile, root.certificate);
    const verify = await openssl([
      "verify",
      "-CAfile",
      rootFile,
      "-untrusted",
      path.join(out, "chain.pem"),
      path.join(out, "cert.pem"),
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    const fromCert = await openssl([
      "x509",
      "-in",
      path.join(out, "cert.pem"),
      "-noout",
      "-pubkey",
    ]);
    const fromKey = await openssl(["pkey", "-in", path.join(out, "key.pem"), "-pubout"]);
    expect(fromKey.stdout).toBe(fromCert.stdout);
    expect((await stat(path.join(out, "key.pem"))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(out, "cert.pem"), "utf8")).toMatch(
      /^-----BEGIN CERTIFICATE-----/,
    );

    const shown = await certq(["status", requestId], issuer);
    expect(JSON.parse(shown.stdout).status).toBe("issued");
  });

  it("prints errors as one readable line and exits non-zero", async () => {
    const refused = await certq([
      "issue",
      "--profile",
      "3c90c3cc-0d44-4b50-8888-8dd25736052a",
      "--cn",
      "x.example.test",
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/^certq: 404: Certificate profile/);
    const noToken = await certq(["status", "x"], "");
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/CERTQ_TOKEN/);
    const badSan = await certq(["issue", "--profile", "p", "--san", "host"]);
    expect(badSan.stderr).toMatch(/--san 'host' must look like/);
  });
});
