import { randomBytes } from "node:crypto";
import { type KeyRing, openPrivateKey, sealPrivateKey } from "@certq/pki";

export const webhookSecretAad = (profileId: string) => `webhook:${profileId}`;

/** A new signing secret for a profile's webhook, shown to its creator once. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function sealWebhookSecret(kek: KeyRing, profileId: string, secret: string): Buffer {
  return sealPrivateKey({
    kek,
    plaintext: Buffer.from(secret, "utf8"),
    aad: webhookSecretAad(profileId),
  });
}

export function openWebhookSecret(kek: KeyRing, profileId: string, sealed: Buffer): string {
  return openPrivateKey({ kek, sealed, aad: webhookSecretAad(profileId) }).toString("utf8");
}
