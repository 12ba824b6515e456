import { type Database, rawSql, readTimestamp } from "@certq/db";
import { type ChainReport, type ChainRow, createChainVerifier } from "./audit-hash";

interface ChainQueryRow {
  seq: string;
  created_at: string;
  token_id: string | null;
  token_name: string | null;
  action: string;
  target_type: string;
  target_id: string;
  request_id: string | null;
  source_address: string | null;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** Walks the whole audit log in seq order, a page at a time, and verifies its hash chain. */
export async function verifyAuditLog(db: Database, pageSize = 1_000): Promise<ChainReport> {
  const verifier = createChainVerifier();
  let after = 0;
  for (;;) {
    // details as jsonb's own text form: that is what the trigger hashed.
    const rows = await rawSql(db)<ChainQueryRow[]>`
      select seq, created_at, token_id, token_name, action, target_type, target_id, request_id,
        source_address, outcome, details::text as details, prev_hash, hash
      from audit_log where seq > ${after} order by seq limit ${pageSize}`;
    for (const row of rows) verifier.push(toChainRow(row));
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) break;
    after = Number(last.seq);
  }
  return verifier.report();
}

function toChainRow(row: ChainQueryRow): ChainRow {
  return {
    seq: Number(row.seq),
    createdAt: readTimestamp(row.created_at).toISOString(),
    tokenId: row.token_id,
    tokenName: row.token_name,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    requestId: row.request_id,
    sourceAddress: row.source_address,
    outcome: row.outcome,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
