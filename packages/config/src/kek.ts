import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";

/** The key-encryption keys, raw: `current` seals, `previous` still open (CERTQ_KEK_PREVIOUS). */
export interface KekKeys {
  current: Buffer;
  previous: Buffer[];
}

/**
 * The key-encryption keys for private keys at rest. Without CERTQ_KEK a development key is
 * created under the data dir so `npm start` works out of the box, with a loud warning:
 * losing that file makes every stored private key unreadable.
 */
export function resolveKek(options: {
  kekBase64: string | undefined;
  previousBase64?: readonly string[];
  dataDir: string;
  log: Logger;
}): KekKeys {
  const previous = (options.previousBase64 ?? []).map((k) => Buffer.from(k, "base64"));
  if (options.kekBase64) return { current: Buffer.from(options.kekBase64, "base64"), previous };
  const file = path.resolve(options.dataDir, "dev-kek");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
  }
  options.log.warn(
    { file },
    "CERTQ_KEK is not set: using a DEVELOPMENT key-encryption key from a local file. Set CERTQ_KEK (openssl rand -base64 32) in production.",
  );
  const kek = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (kek.length !== 32) throw new Error(`${file} does not hold base64 of 32 bytes`);
  return { current: kek, previous };
}
