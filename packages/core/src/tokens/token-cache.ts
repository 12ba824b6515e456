import type { Principal } from "../auth/principal";

/** What authenticate needs of a token row; expiry is still checked on every request. */
export interface CachedToken {
  principal: Principal;
  expiresAt: Date | null;
}

/**
 * Tokens recently looked up, by the SHA-256 of their value, so an authenticated request
 * does not need its own query. Only found tokens are kept (a new token works at once, a
 * wrong one always reaches the database). The trade-off: a token deleted through another
 * process keeps working here for up to ttlMs; deleting through this one forgets it at once.
 */
export interface TokenCache {
  get(tokenHash: string): CachedToken | undefined;
  /** The cache's clock: take it before the lookup whose result is then set. */
  stamp(): number;
  /** Keeps a lookup's result, unless the token was forgotten after the lookup started. */
  set(tokenHash: string, token: CachedToken, lookupStartedAt: number): void;
  /** The token was deleted: drop it, and refuse results of lookups already in flight. */
  forget(tokenId: string): void;
}

/** The longest a deleted token may go on working in another process. */
export const MAX_TOKEN_CACHE_MS = 1_000;
/** How long a forgotten token's ID is kept to refuse late lookups (far above any query). */
const FORGOTTEN_KEPT_MS = 60_000;

export function createTokenCache(options: {
  ttlMs: number;
  /** Tokens kept at most; the oldest entry goes first. */
  maxEntries?: number;
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number;
}): TokenCache {
  const ttlMs = Math.min(options.ttlMs, MAX_TOKEN_CACHE_MS);
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? (() => performance.now());
  const entries = new Map<string, CachedToken & { storedAt: number }>();
  /** Token ID -> when it was forgotten. */
  const forgotten = new Map<string, number>();

  return {
    get(tokenHash) {
      const entry = entries.get(tokenHash);
      if (!entry) return undefined;
      if (now() - entry.storedAt >= ttlMs) {
        entries.delete(tokenHash);
        return undefined;
      }
      return entry;
    },
    stamp: now,
    set(tokenHash, token, lookupStartedAt) {
      if (ttlMs <= 0) return;
      const forgottenAt = forgotten.get(token.principal.tokenId);
      if (forgottenAt !== undefined && forgottenAt >= lookupStartedAt) return;
      entries.delete(tokenHash);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(tokenHash, { ...token, storedAt: now() });
    },
    forget(tokenId) {
      const at = now();
      for (const [hash, entry] of entries) {
        if (entry.principal.tokenId === tokenId) entries.delete(hash);
      }
      for (const [id, when] of forgotten) if (at - when >= FORGOTTEN_KEPT_MS) forgotten.delete(id);
      forgotten.set(tokenId, at);
    },
  };
}
