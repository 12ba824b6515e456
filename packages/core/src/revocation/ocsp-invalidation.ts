import type { Logger } from "@certq/config";
import type { RedisClient } from "../runtime/redis";
import type { OcspCache } from "./ocsp-cache";

/**
 * Tells every API process that a CA's certificates changed status, so each drops that CA's
 * pre-signed OCSP responses at once (a revocation shows in OCSP everywhere within moments,
 * not when a response would have been refreshed). Pub/sub is fire-and-forget: a subscriber
 * that lost its connection may have missed messages, so on reconnecting it clears its cache.
 */
export async function createOcspInvalidation(options: {
  cache: OcspCache;
  /** A connection of its own: a subscribed connection can do nothing else. */
  subscriber: RedisClient;
  publisher: RedisClient;
  prefix: string;
  log: Logger;
}) {
  const { cache, subscriber, publisher, log } = options;
  const channel = `${options.prefix}:ocsp-invalidate`;
  subscriber.on("message", (from: string, caId: string) => {
    if (from === channel) cache.invalidateCa(caId);
  });
  let connectedBefore = false;
  subscriber.on("ready", () => {
    if (connectedBefore) cache.clear();
    connectedBefore = true;
  });
  await subscriber
    .subscribe(channel)
    .catch((error: unknown) =>
      log.warn(
        { err: (error as Error).message },
        "OCSP invalidation not subscribed; ioredis resubscribes when Redis is back",
      ),
    );
  return {
    /** Drops the CA's responses here, then everywhere else. */
    async invalidateCa(caId: string) {
      cache.invalidateCa(caId);
      await publisher.publish(channel, caId);
    },
  };
}
