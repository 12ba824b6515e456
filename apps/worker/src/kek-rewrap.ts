import "reflect-metadata";
import { parseArgs } from "node:util";
import { createLogger, loadConfig } from "@certq/config";
import { checkKeyRing, checkPostgres, loadKeyRing, rewrapStoredKeys } from "@certq/core";
import { createDatabase } from "@certq/db";
import { exitOnStartupError } from "@certq/process";

// `npm run kek:rewrap`: re-wraps every stored key under CERTQ_KEK, online, resumable. Progress
// and counts go to stdout, one line each; problems to stderr; exit 1 if any key is left behind.

const USAGE =
  "usage: npm run kek:rewrap [-- --batch-size N]   (reads DATABASE_URL, CERTQ_KEK, CERTQ_KEK_PREVIOUS)";

const { values } = parseArgs({
  options: { "batch-size": { type: "string" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const batchSize = Number(values["batch-size"] ?? 200);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
  console.error(`certq: --batch-size must be a whole number from 1 to 10000\n${USAGE}`);
  process.exit(2);
}

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    return exitOnStartupError(error);
  }
})();
// Log lines (the development-key warning) go to stderr, so stdout holds only the counts.
const log = createLogger({
  level: config.logLevel,
  name: "certq-kek-rewrap",
  destination: process.stderr,
});
await checkPostgres(config.databaseUrl).catch(exitOnStartupError);
const database = createDatabase({ url: config.databaseUrl, max: 2 });
const kek = loadKeyRing(config, log);
await checkKeyRing({ db: database.db, kek }).catch(exitOnStartupError);

console.log(`re-wrapping stored keys under KEK ${kek.current.id}, ${batchSize} per transaction`);
const report = await rewrapStoredKeys({
  ctx: { db: database.db, kek },
  batchSize,
  onBatch: (progress) => console.log(`${progress.table}: ${progress.rewrapped} re-wrapped`),
}).catch((error: Error) => {
  console.error(`certq: kek:rewrap stopped: ${error.message}; run it again to resume`);
  process.exit(1);
});
for (const t of report.tables) {
  console.log(`${t.table}: ${t.rewrapped} re-wrapped, ${t.alreadyCurrent} already current`);
}
console.log(
  `total: ${report.total} (${report.rewrapped} re-wrapped, ${report.alreadyCurrent} already current, ${report.remaining} not under KEK ${report.kekId})`,
);
for (const failure of report.failures.slice(0, 20)) {
  console.error(`certq: cannot re-wrap ${failure.table} ${failure.id}: ${failure.reason}`);
}
if (report.failures.length > 20) console.error(`certq: and ${report.failures.length - 20} more`);
const leftBehind = report.remaining - report.failures.length;
if (leftBehind > 0) {
  console.error(
    `certq: ${leftBehind} keys were sealed under an older KEK while this ran: restart every process with the new CERTQ_KEK, then run this again`,
  );
}
await database.close();
process.exit(report.remaining > 0 ? 1 : 0);
