import { describe, expect, it } from "vitest";
import { auditRowHash, type ChainRow, GENESIS_HASH, verifyAuditChain } from "./audit-hash";

function chain(length: number): ChainRow[] {
  const rows: ChainRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const row = {
      seq,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      tokenId: seq % 2 ? "6f1c7e2a-9d3b-4c5e-8f70-1a2b3c4d5e6f" : null,
      tokenName: seq % 2 ? "ops" : null,
      action: "token.created",
      targetType: "token",
      targetId: `t${seq}`,
      requestId: null,
      sourceAddress: "127.0.0.1",
      outcome: "success",
      details: `{"n": ${seq}}`,
      prevHash,
    };
    const hash = auditRowHash(row);
    rows.push({ ...row, hash });
    prevHash = hash;
  }
  return rows;
}

describe("verifyAuditChain", () => {
  it("accepts an intact chain, and an empty one", () => {
    expect(verifyAuditChain(chain(5))).toMatchObject({ ok: true, rows: 5, lastSeq: 5 });
    expect(verifyAuditChain([])).toMatchObject({ ok: true, rows: 0, lastHash: GENESIS_HASH });
  });

  it("names an altered row", () => {
    const rows = chain(5);
    rows[2] = { ...(rows[2] as ChainRow), action: "token.deleted" };
    const report = verifyAuditChain(rows);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { kind: "altered", seq: 3, message: "row 3 was altered: its fields do not give its hash" },
    ]);
  });

  it("names a row whose hash was recomputed to hide an edit, by the next row's link", () => {
    const rows = chain(5);
    const edited = { ...(rows[1] as ChainRow), tokenName: "someone else" };
    rows[1] = { ...edited, hash: auditRowHash(edited) };
    expect(verifyAuditChain(rows).problems).toEqual([
      expect.objectContaining({ kind: "altered", seq: 2 }),
    ]);
  });

  it("names deleted rows, one or several, at the start or in the middle", () => {
    const rows = chain(6);
    expect(verifyAuditChain(rows.filter((r) => r.seq !== 4)).problems).toEqual([
      { kind: "missing", seq: 4, message: "row 4 is missing (deleted)" },
    ]);
    expect(verifyAuditChain(rows.filter((r) => r.seq < 2 || r.seq > 4)).problems).toEqual([
      { kind: "missing", seq: 2, message: "rows 2..4 are missing (deleted)" },
    ]);
    expect(verifyAuditChain(rows.slice(1)).problems).toEqual([
      expect.objectContaining({ kind: "missing", seq: 1 }),
    ]);
  });

  it("tells null from an empty string and counts bytes, not characters", () => {
    const [row] = chain(1) as [ChainRow];
    expect(auditRowHash({ ...row, requestId: "" })).not.toBe(auditRowHash(row));
    expect(auditRowHash({ ...row, tokenName: "é" })).not.toBe(
      auditRowHash({ ...row, tokenName: "e" }),
    );
  });
});
