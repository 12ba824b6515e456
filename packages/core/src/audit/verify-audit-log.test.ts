import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "./record-audit";
import { verifyAuditLog } from "./verify-audit-log";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  const principal = { tokenId: "6f1c7e2a-9d3b-4c5e-8f70-1a2b3c4d5e6f", tokenName: "ops ü" };
  const origin = { requestId: "req-1", sourceAddress: "::1" };
  for (let i = 0; i < 7; i++) {
    await recordAudit(
      database.db,
      { origin },
      {
        principal: i % 3 ? principal : null,
        action: "profile.updated",
        targetType: "profile",
        targetId: `p${i}`,
        details: { changed: ["description"], n: i, nested: { b: 1, a: [true, null, "x"] } },
      },
    );
  }
});
afterAll(() => database?.drop());

/** Tampering needs the append-only trigger out of the way, as a database owner could do. */
async function tamper(statement: string) {
  await database.sql.unsafe(`
    alter table audit_log disable trigger audit_log_append_only;
    ${statement};
    alter table audit_log enable trigger audit_log_append_only;`);
}

describe("the audit log in PostgreSQL", () => {
  it("is append-only: UPDATE, DELETE and TRUNCATE are refused", async () => {
    for (const statement of [
      "update audit_log set target_id = 'x' where seq = 1",
      "delete from audit_log where seq = 1",
      "truncate audit_log",
    ]) {
      await expect(database.sql.unsafe(statement)).rejects.toThrow(/append-only/);
    }
  });

  it("verifies: the trigger's hashes are the ones core recomputes, page by page", async () => {
    expect(await verifyAuditLog(database.db, 3)).toMatchObject({ ok: true, rows: 7, lastSeq: 7 });
  });

  it("finds an UPDATEd row", async () => {
    await tamper(`update audit_log set details = '{"changed": []}' where seq = 3`);
    const report = await verifyAuditLog(database.db, 3);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "altered", seq: 3 })]);
  });

  it("finds a DELETEd row", async () => {
    await tamper("delete from audit_log where seq = 5");
    const report = await verifyAuditLog(database.db, 3);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: "missing", seq: 5 }));
  });
});
