import { type Config, createLogger, type Logger, loadConfig, resolveKek } from "@certq/config";
import { createDatabase, migrateDatabase } from "@certq/db";
import { createKeyRing, type KeyRing } from "@certq/pki";
import type { ServiceContext } from "../context";
import { openHsmToken } from "../hsm/pkcs11-token";
import { checkKeyRing } from "../kek/check-key-ring";
import { createOutboundClient } from "../outbound/outbound-client";
import { createOutboundPolicy } from "../outbound/outbound-policy";
import { ensureAdminToken } from "../tokens/ensure-admin-token";
import { checkPostgres } from "./check-dependencies";
import { checkRedis } from "./check-redis";
import { createServiceContext } from "./service-context";

export interface Runtime {
  config: Config;
  log: Logger;
  ctx: ServiceContext;
  close(): Promise<void>;
}

/**
 * What every process does first: parse config, check Postgres and Redis answer, migrate,
 * open the pool, load the KEKs (refusing a ring that cannot open the stored keys) and
 * bootstrap the admin token.
 */
export async function startRuntime(name: string, config: Config = loadConfig()): Promise<Runtime> {
  const log = createLogger({ level: config.logLevel, name });
  // Before any connection, so a bad allowlist entry is the one line the operator sees.
  const outbound = createOutboundClient({
    policy: createOutboundPolicy({ allow: config.outboundAllow }),
  });
  await checkPostgres(config.databaseUrl);
  await checkRedis(config.redis, config.queuePrefix);
  await migrateDatabase(config.databaseUrl);
  const database = createDatabase({ url: config.databaseUrl, max: 20 });
  const kek = loadKeyRing(config, log);
  await checkKeyRing({ db: database.db, kek }).catch(async (error) => {
    await database.close();
    throw error;
  });
  const hsm = config.pkcs11 ? await openHsmToken(config.pkcs11) : undefined;
  if (hsm) log.info({ module: config.pkcs11?.modulePath }, "PKCS#11 token open for HSM CAs");
  const ctx = createServiceContext({
    db: database.db,
    log,
    kek,
    publicUrl: config.publicUrl,
    tokenCacheMs: config.tokenCacheMs,
    outbound,
    hsm,
    streamAudit: config.auditLogStream,
  });
  if (config.adminToken) await ensureAdminToken({ ctx, value: config.adminToken });
  return {
    config,
    log,
    ctx,
    async close() {
      await outbound.close();
      await database.close();
      hsm?.close();
    },
  };
}

/** CERTQ_KEK (or the development key file) seals; CERTQ_KEK_PREVIOUS keys still open. */
export function loadKeyRing(config: Config, log: Logger): KeyRing {
  const keys = resolveKek({
    kekBase64: config.kekBase64,
    previousBase64: config.kekPreviousBase64,
    dataDir: config.dataDir,
    log,
  });
  const ring = createKeyRing(keys.current, keys.previous);
  log.info(
    {
      kekId: ring.current.id,
      previousKekIds: [...ring.byId.keys()].filter((id) => id !== ring.current.id),
    },
    "key-encryption keys loaded",
  );
  return ring;
}
