import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { recordAudit } from "@certq/core";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  for (let i = 0; i < 3; i++) {
    await recordAudit(
      database.db,
      {},
      {
        principal: null,
        action: "certificate.issued",
        targetType: "certificate",
        targetId: `c${i}`,
      },
    );
  }
});
afterAll(() => database?.drop());

/** `npm run audit:verify` as an operator runs it: its exit code and output. */
async function verify() {
  try {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "apps/cli/src/audit-verify.ts"],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: database.url, LOG_LEVEL: "silent" },
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("npm run audit:verify", () => {
  it("prints OK with the row count and the head, exit 0", async () => {
    const result = await verify();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^OK: 3 audit rows, chain intact; head seq 3 hash [0-9a-f]{64}\n$/,
    );
  });

  it("names the altered and the deleted row, exit 1", async () => {
    await database.sql.unsafe(`
      alter table audit_log disable trigger audit_log_append_only;
      update audit_log set target_id = 'forged' where seq = 1;
      delete from audit_log where seq = 2;`);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("BROKEN: row 1 was altered");
    expect(result.stderr).toContain("BROKEN: row 2 is missing (deleted)");
  });
});
