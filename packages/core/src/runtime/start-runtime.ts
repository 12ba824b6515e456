import {
  type Config,
  ConfigError,
  createLogger,
  type Logger,
  loadConfig,
  resolveKek,
} from "@certq/config";
import { createDatabase, migrateDatabase } from "@certq/db";
import { createCaSignerCache } from "../cas/ca-signer-cache";
import type { ServiceContext } from "../context";
import { openHsmToken } from "../hsm/pkcs11-token";
import { createSharedLookups } from "../shared-lookups";
import { ensureAdminToken } from "../tokens/ensure-admin-token";
import { createTokenCache } from "../tokens/token-cache";
import { checkPostgres, checkRedis, DependencyUnreachableError } from "./check-dependencies";
import { installCrashGuards } from "./crash-guards";

export interface Runtime {
  config: Config;
  log: Logger;
  ctx: ServiceContext;
  close(): Promise<void>;
}

/**
 * What every process does first: parse config, check Postgres and Redis answer, migrate,
 * open the pool, load the KEK and bootstrap the admin token.
 */
export async function startRuntime(name: string, config: Config = loadConfig()): Promise<Runtime> {
  const log = createLogger({ level: config.logLevel, name });
  installCrashGuards(log);
  await checkPostgres(config.databaseUrl);
  await checkRedis(config.redisUrl);
  await migrateDatabase(config.databaseUrl);
  const database = createDatabase({ url: config.databaseUrl, max: 20 });
  const kek = resolveKek({ kekBase64: config.kekBase64, dataDir: config.dataDir, log });
  const hsm = config.pkcs11 ? await openHsmToken(config.pkcs11) : undefined;
  if (hsm) log.info({ module: config.pkcs11?.modulePath }, "PKCS#11 token open for HSM CAs");
  const ctx: ServiceContext = {
    db: database.db,
    log,
    kek,
    now: () => new Date(),
    publicUrl: config.publicUrl,
    tokenCache:
      config.tokenCacheMs > 0 ? createTokenCache({ ttlMs: config.tokenCacheMs }) : undefined,
    lookups: createSharedLookups(database.db),
    signers: createCaSignerCache(kek, undefined, hsm),
    hsm,
  };
  if (config.adminToken) await ensureAdminToken({ ctx, value: config.adminToken });
  const close = async () => {
    await database.close();
    hsm?.close();
  };
  return { config, log, ctx, close };
}

/** Turns a start-up failure into one readable line and exit code 1. */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof DependencyUnreachableError || error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(`certq: failed to start: ${(error as Error).message ?? String(error)}`);
  }
  process.exit(1);
}
