import type { Logger } from "@certq/config";
import type { Database } from "@certq/db";
import type { KeyRing } from "@certq/pki";
import { createCaSignerCache } from "../cas/ca-signer-cache";
import type { ServiceContext } from "../context";
import type { HsmToken } from "../hsm/pkcs11-token";
import type { OutboundClient } from "../outbound/outbound-client";
import { createSharedLookups } from "../shared-lookups";
import { createTokenCache } from "../tokens/token-cache";

/**
 * The context every verb receives, from what a process has opened. startRuntime builds it
 * from the config; the integration tests build theirs here too, so both get the same
 * lookups, caches and signers.
 */
export function createServiceContext(args: {
  db: Database;
  log: Logger;
  kek: KeyRing;
  publicUrl: string;
  /** CERTQ_TOKEN_CACHE_MS; 0, every request queries its token. */
  tokenCacheMs: number;
  outbound: OutboundClient;
  hsm?: HsmToken;
  streamAudit: boolean;
}): ServiceContext {
  return {
    db: args.db,
    log: args.log,
    kek: args.kek,
    now: () => new Date(),
    publicUrl: args.publicUrl,
    tokenCache: args.tokenCacheMs > 0 ? createTokenCache({ ttlMs: args.tokenCacheMs }) : undefined,
    lookups: createSharedLookups(args.db),
    signers: createCaSignerCache(args.kek, undefined, args.hsm),
    outbound: args.outbound,
    streamAudit: args.streamAudit,
    hsm: args.hsm,
  };
}
