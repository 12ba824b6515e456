import { createHash } from "node:crypto";

/** The prev_hash of the first row. */
export const GENESIS_HASH = "0".repeat(64);

/** A row as the chain sees it: every hashed field in its canonical text form. */
export interface ChainRow {
  seq: number;
  /** ISO 8601 with milliseconds, UTC (Date.toISOString()). */
  createdAt: string;
  tokenId: string | null;
  tokenName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  requestId: string | null;
  sourceAddress: string | null;
  outcome: string;
  /** PostgreSQL's text form of the jsonb (details::text), normalised by jsonb itself. */
  details: string;
  prevHash: string;
  hash: string;
}

// Length-prefixed, so no two field lists encode alike; the same as SQL's audit_log_field.
const field = (value: string | null) =>
  value === null ? "-|" : `${Buffer.byteLength(value, "utf8")}:${value}|`;

/** SHA-256 (hex) over prev_hash and the row's fields, as the audit_log_chain trigger computes it. */
export function auditRowHash(row: Omit<ChainRow, "hash">): string {
  const encoded = [
    row.prevHash,
    String(row.seq),
    row.createdAt,
    row.tokenId,
    row.tokenName,
    row.action,
    row.targetType,
    row.targetId,
    row.requestId,
    row.sourceAddress,
    row.outcome,
    row.details,
  ]
    .map(field)
    .join("");
  return createHash("sha256").update(encoded, "utf8").digest("hex");
}

export type ChainProblem =
  | { kind: "altered"; seq: number; message: string }
  | { kind: "missing"; seq: number; message: string };

export interface ChainReport {
  ok: boolean;
  rows: number;
  lastSeq: number;
  lastHash: string;
  problems: ChainProblem[];
}

/**
 * Walks the chain in seq order, fed a page at a time. A row whose fields no longer give its
 * hash was altered; a seq that skips (with a broken link) means rows were deleted; a link
 * broken without a gap means the previous row's hash was rewritten.
 */
export function createChainVerifier() {
  let rows = 0;
  let lastSeq = 0;
  let lastHash = GENESIS_HASH;
  const problems: ChainProblem[] = [];
  return {
    push(row: ChainRow): void {
      rows++;
      const expectedSeq = lastSeq + 1;
      if (row.seq !== expectedSeq) {
        const last = row.seq - 1;
        problems.push({
          kind: "missing",
          seq: expectedSeq,
          message:
            last === expectedSeq
              ? `row ${expectedSeq} is missing (deleted)`
              : `rows ${expectedSeq}..${last} are missing (deleted)`,
        });
      } else if (row.prevHash !== lastHash) {
        problems.push({
          kind: "altered",
          seq: lastSeq,
          message: `row ${row.seq} does not link to row ${lastSeq}: row ${lastSeq}'s hash was rewritten`,
        });
      }
      if (auditRowHash(row) !== row.hash) {
        problems.push({
          kind: "altered",
          seq: row.seq,
          message: `row ${row.seq} was altered: its fields do not give its hash`,
        });
      }
      lastSeq = row.seq;
      lastHash = row.hash;
    },
    report(): ChainReport {
      return { ok: problems.length === 0, rows, lastSeq, lastHash, problems };
    },
  };
}

/** Verifies a whole chain held in memory (tests, small logs). */
export function verifyAuditChain(rows: Iterable<ChainRow>): ChainReport {
  const verifier = createChainVerifier();
  for (const row of rows) verifier.push(row);
  return verifier.report();
}
