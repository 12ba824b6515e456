import type { Logger } from "@certq/config";
import type { RedisClient } from "../runtime/redis";
import type { OcspCache } from "./ocsp-cache";

/**
 * Tells every API process that a certificate was revoked, so each drops its pre-signed OCSP
 * responses for it at once (a revocation shows in OCSP everywhere within moments, not when a
 * response would have been refreshed). A message is `<caId> <serial>`; a bare `<caId>` (what
 * processes before per-certificate invalidation send, during a rolling upgrade) drops the
 * whole CA's. Pub/sub is fire-and-forget: a subscriber that lost its connection may have
 * missed messages, so on reconnecting it clears its cache.
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
  subscriber.on("message", (from: string, message: string) => {
    if (from !== channel) return;
    const [caId = "", serialNumber] = message.split(" ");
    if (serialNumber) cache.invalidateCertificate(caId, serialNumber);
    else cache.invalidateCa(caId);
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
    /** Drops the certificate's responses here, then everywhere else. */
    async invalidateCertificate(caId: string, serialNumber: string) {
      cache.invalidateCertificate(caId, serialNumber);
      await publisher.publish(channel, `${caId} ${serialNumber}`);
    },
  };
}
