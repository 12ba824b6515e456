import type { CertificateAuthorityRow } from "@certq/db";

/** A signed OCSP response for one certificate, reusable until it is refreshed or invalidated. */
export interface CachedOcspResponse {
  der: Buffer;
  caId: string;
  thisUpdate: Date;
  nextUpdate: Date;
}

/**
 * Pre-signed OCSP responses by CA and serial, in this process (RFC 5019's model: a response
 * without a nonce is the same for every asker until it is re-signed). Entries older than
 * `refreshAfterMs` are re-signed on the next ask; a revocation drops its CA's entries here and,
 * through Redis, in every other API process (see createOcspInvalidation). Bounded: past
 * `maxEntries` the oldest go first.
 */
export interface OcspCache {
  get(caId: string, key: string, now: Date): CachedOcspResponse | undefined;
  /** `key`: the certificate's serial with the CertID hash algorithm asked with. */
  set(key: string, response: CachedOcspResponse): void;
  /** Forget one CA's responses (a certificate of it was revoked). */
  invalidateCa(caId: string): void;
  /** Forget everything (invalidations may have been missed). */
  clear(): void;
  /** The CAs that answer OCSP, read again once the list is older than maxAgeMs (`caListMs`). */
  cas(
    load: () => Promise<CertificateAuthorityRow[]>,
    now: Date,
    maxAgeMs?: number,
  ): Promise<CertificateAuthorityRow[]>;
  readonly size: number;
}

export function createOcspCache(
  options: { maxEntries?: number; refreshAfterMs?: number; caListMs?: number } = {},
): OcspCache {
  const maxEntries = options.maxEntries ?? 200_000;
  const refreshAfterMs = options.refreshAfterMs ?? 5 * 60 * 1000;
  const caListMs = options.caListMs ?? 30_000;
  // By CA, so a revocation drops one map, not a scan of every entry.
  const byCa = new Map<string, Map<string, CachedOcspResponse>>();
  let size = 0;
  let caList: { rows: CertificateAuthorityRow[]; loadedAt: number } | undefined;
  let loading: Promise<CertificateAuthorityRow[]> | undefined;

  return {
    get(caId, key, now) {
      const entry = byCa.get(caId)?.get(key);
      if (!entry) return undefined;
      const fresh = now.getTime() - entry.thisUpdate.getTime() < refreshAfterMs;
      return fresh && now < entry.nextUpdate ? entry : undefined;
    },
    set(key, response) {
      const entries = byCa.get(response.caId) ?? new Map<string, CachedOcspResponse>();
      byCa.set(response.caId, entries);
      if (!entries.delete(key)) size++;
      entries.set(key, response);
      if (size > maxEntries) {
        // Maps keep insertion order: the first key is this CA's oldest response.
        const oldest = entries.keys().next().value;
        if (oldest !== undefined && entries.delete(oldest)) size--;
      }
    },
    invalidateCa(caId) {
      size -= byCa.get(caId)?.size ?? 0;
      byCa.delete(caId);
    },
    clear() {
      byCa.clear();
      size = 0;
    },
    async cas(load, now, maxAgeMs = caListMs) {
      if (caList && now.getTime() - caList.loadedAt < maxAgeMs) return caList.rows;
      loading ??= load()
        .then((rows) => {
          caList = { rows, loadedAt: now.getTime() };
          return rows;
        })
        .finally(() => {
          loading = undefined;
        });
      return loading;
    },
    get size() {
      return size;
    },
  };
}
