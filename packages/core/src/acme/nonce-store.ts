import { randomBytes } from "node:crypto";
import type { RedisClient } from "../runtime/redis";

/** Replay nonces (RFC 8555 6.5): single-use, shared by every API process through Redis. */
export interface NonceStore {
  issue(): Promise<string>;
  /** True exactly once per issued nonce, while it has not expired. */
  consume(nonce: string): Promise<boolean>;
}

const NONCE = /^[A-Za-z0-9_-]{22}$/;

export function createNonceStore(options: {
  redis: Pick<RedisClient, "set" | "getdel">;
  /** The queue's hash tag, so nonces sit beside the queues in one cluster slot. */
  prefix: string;
  ttlMs?: number;
}): NonceStore {
  const ttlMs = options.ttlMs ?? 3_600_000;
  const key = (nonce: string) => `${options.prefix}:acme-nonce:${nonce}`;
  return {
    async issue() {
      const nonce = randomBytes(16).toString("base64url");
      await options.redis.set(key(nonce), "1", "PX", ttlMs);
      return nonce;
    },
    async consume(nonce) {
      // Anything not shaped like our nonces never reaches Redis.
      if (!NONCE.test(nonce)) return false;
      return (await options.redis.getdel(key(nonce))) !== null;
    },
  };
}
