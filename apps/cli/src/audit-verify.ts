import { loadConfig } from "@certq/config";
import { verifyAuditLog } from "@certq/core";
import { createDatabase } from "@certq/db";
import { exitOnStartupError } from "@certq/process";

/**
 * `npm run audit:verify`: walks the audit log's hash chain in DATABASE_URL. Prints OK with
 * the row count and the head (seq and hash: keep it, a later run must extend it), or every
 * altered or missing row; exits 1 on a broken chain.
 */
async function run(): Promise<number> {
  const config = loadConfig();
  const database = createDatabase({ url: config.databaseUrl, max: 1 });
  try {
    const report = await verifyAuditLog(database.db);
    if (report.ok) {
      console.log(
        `OK: ${report.rows} audit rows, chain intact; head seq ${report.lastSeq} hash ${report.lastHash}`,
      );
      return 0;
    }
    for (const problem of report.problems) console.error(`BROKEN: ${problem.message}`);
    console.error(
      `audit chain broken: ${report.problems.length} problem(s) in ${report.rows} rows`,
    );
    return 1;
  } finally {
    await database.close();
  }
}

run().then((code) => process.exit(code), exitOnStartupError);
