import { createHash, randomBytes } from "node:crypto";

const PREFIX = "certq_";

/** A new bearer token value: 32 random bytes, base64url, with a recognisable prefix. */
export function generateTokenValue(): string {
  return PREFIX + randomBytes(32).toString("base64url");
}

export function hashTokenValue(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}
