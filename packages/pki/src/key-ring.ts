import { createHash } from "node:crypto";
import { PkiError } from "./errors";

export const KEK_BYTES = 32;
/** Bytes of a key ID in an envelope's header (16 hex characters). */
export const KEK_ID_BYTES = 8;

/**
 * The key-encryption keys a process holds: `current` seals every new envelope; every key in
 * `byId` (the current one included) still opens envelopes sealed under it. Rotation adds a
 * new current key, keeps the old one in `byId` until every envelope is re-wrapped, then drops it.
 */
export interface KeyRing {
  readonly current: { readonly id: string; readonly key: Buffer };
  readonly byId: ReadonlyMap<string, Buffer>;
}

/**
 * A key's ID: derived from the key itself, so nobody has to name or configure IDs, and the
 * same key always has the same ID. A labelled hash, truncated: it tells keys apart, and says
 * nothing usable about the key.
 */
export function kekId(key: Buffer): string {
  checkKeyLength(key);
  return createHash("sha256")
    .update("certq key-encryption key id\0")
    .update(key)
    .digest()
    .subarray(0, KEK_ID_BYTES)
    .toString("hex");
}

/** A ring sealing under `current` and still opening under `previous` (duplicates ignored). */
export function createKeyRing(current: Buffer, previous: readonly Buffer[] = []): KeyRing {
  const byId = new Map<string, Buffer>();
  for (const key of [current, ...previous]) {
    const id = kekId(key);
    if (!byId.has(id)) byId.set(id, Buffer.from(key));
  }
  const currentId = kekId(current);
  return { current: { id: currentId, key: byId.get(currentId) as Buffer }, byId };
}

function checkKeyLength(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEK_BYTES) {
    throw new PkiError(`the key-encryption key must be ${KEK_BYTES} bytes`, "kek");
  }
}
