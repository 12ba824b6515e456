import { randomBytes } from "node:crypto";
import { openPrivateKey, sealPrivateKey } from "@certq/pki";

const aad = (profileId: string) => `webhook:${profileId}`;

/** A new signing secret for a profile's webhook, shown to its creator once. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function sealWebhookSecret(kek: Buffer, profileId: string, secret: string): Buffer {
  return sealPrivateKey({ kek, plaintext: Buffer.from(secret, "utf8"), aad: aad(profileId) });
}

export function openWebhookSecret(kek: Buffer, profileId: string, sealed: Buffer): string {
  return openPrivateKey({ kek, sealed, aad: aad(profileId) }).toString("utf8");
}
