import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Starts the API entry point as a user would and returns how it ended. */
async function start(env: Record<string, string>) {
  try {
    await run(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", PORT: "0", ...env },
      timeout: 30_000,
    });
    return { code: 0, stderr: "" };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code, stderr: e.stderr ?? "" };
  }
}

// Port 1 on loopback: nothing listens there, so the connection is refused at once.
describe("start-up with a backing service unreachable", () => {
  it("names PostgreSQL, its address and how to start it, in one line, and exits 1", async () => {
    const { code, stderr } = await start({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/certq" });
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/PostgreSQL at 127\.0\.0\.1:1 .*ECONNREFUSED.*[Ss]tart it/);
  });

  it("names Redis, its address and how to start it, in one line, and exits 1", async () => {
    const { code, stderr } = await start({ REDIS_URL: "redis://127.0.0.1:1" });
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/Redis at 127\.0\.0\.1:1 .*ECONNREFUSED.*[Ss]tart it/);
  });

  it("lists every bad variable and exits 1", async () => {
    const { code, stderr } = await start({ PORT: "not-a-port", CERTQ_KEK: "short" });
    expect(code).toBe(1);
    expect(stderr).toContain("PORT");
    expect(stderr).toContain("CERTQ_KEK");
  });

  it("names a bad CERTQ_OUTBOUND_ALLOW entry and exits 1, before connecting anywhere", async () => {
    const { code, stderr } = await start({
      CERTQ_OUTBOUND_ALLOW: "127.0.0.1/32, 10.0.0.0/33",
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/certq",
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      "CERTQ_OUTBOUND_ALLOW: '10.0.0.0/33' has a prefix length outside 0-32",
    );
    expect(stderr).not.toContain("PostgreSQL");
  });
});
