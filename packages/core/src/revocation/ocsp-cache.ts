import type { CertificateAuthorityRow } from "@certq/db";
import { createIssuerMatcher, type OcspRequestEntry } from "@certq/pki";

/** A CA that answers OCSP, its certificate parsed once. */
export interface OcspIssuer {
  ca: CertificateAuthorityRow;
  matches(entry: OcspRequestEntry): boolean;
}

/** The CAs with a certificate (a pending intermediate has none yet) as OCSP issuers. */
export function toOcspIssuers(rows: CertificateAuthorityRow[]): OcspIssuer[] {
  return rows.flatMap((ca) =>
    ca.certificate ? [{ ca, matches: createIssuerMatcher(ca.certificate) }] : [],
  );
}

/** A signed OCSP response for one certificate, reusable until it is refreshed or invalidated. */
export interface CachedOcspResponse {
  der: Buffer;
  caId: string;
  /** The certificate it answers for, as certificates.serial_number holds it. */
  serialNumber: string;
  thisUpdate: Date;
  nextUpdate: Date;
}

/**
 * Pre-signed OCSP responses, in this process, keyed by the request's own bytes (RFC 5019's
 * model: a request without a nonce is the same bytes from every asker, and so is its answer;
 * a hit needs no parsing and no database). Entries older than `refreshAfterMs` are re-signed
 * on the next ask; a revocation drops the revoked certificate's entries (one per CertID hash
 * a client used) here and, through Redis, in every other API process (see
 * createOcspInvalidation): the CA's other answers stay, so a revocation costs one signature,
 * not a cold cache. Bounded: past `maxEntries` the oldest go first.
 */
export interface OcspCache {
  /** `request`: the DER OCSPRequest, as received. */
  get(request: Buffer, now: Date): CachedOcspResponse | undefined;
  set(request: Buffer, response: CachedOcspResponse): void;
  /** Forget the responses for one certificate (it was revoked). */
  invalidateCertificate(caId: string, serialNumber: string): void;
  /** Forget one CA's responses. */
  invalidateCa(caId: string): void;
  /** Forget everything (invalidations may have been missed). */
  clear(): void;
  /** The CAs that answer OCSP, read again once the list is older than maxAgeMs (`caListMs`). */
  issuers(
    load: () => Promise<CertificateAuthorityRow[]>,
    now: Date,
    maxAgeMs?: number,
  ): Promise<OcspIssuer[]>;
  readonly size: number;
}

export function createOcspCache(
  options: { maxEntries?: number; refreshAfterMs?: number; caListMs?: number } = {},
): OcspCache {
  const maxEntries = options.maxEntries ?? 100_000;
  const refreshAfterMs = options.refreshAfterMs ?? 5 * 60 * 1000;
  const caListMs = options.caListMs ?? 30_000;
  const entries = new Map<string, CachedOcspResponse>();
  // Each CA's keys, so a revocation drops them without a scan of every entry.
  const byCa = new Map<string, Set<string>>();
  const byCertificate = new Map<string, Set<string>>();
  const certificateKey = (caId: string, serialNumber: string) => `${caId}/${serialNumber}`;
  const index = (map: Map<string, Set<string>>, by: string, key: string) => {
    const keys = map.get(by) ?? new Set<string>();
    map.set(by, keys.add(key));
  };
  const unindex = (map: Map<string, Set<string>>, by: string, key: string) => {
    const keys = map.get(by);
    keys?.delete(key);
    if (keys?.size === 0) map.delete(by);
  };
  let caList: { issuers: OcspIssuer[]; loadedAt: number } | undefined;
  let loading: Promise<OcspIssuer[]> | undefined;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    unindex(byCa, entry.caId, key);
    unindex(byCertificate, certificateKey(entry.caId, entry.serialNumber), key);
  };

  return {
    get(request, now) {
      const entry = entries.get(request.toString("base64"));
      if (!entry) return undefined;
      const fresh = now.getTime() - entry.thisUpdate.getTime() < refreshAfterMs;
      return fresh && now < entry.nextUpdate ? entry : undefined;
    },
    set(request, response) {
      const key = request.toString("base64");
      remove(key);
      entries.set(key, response);
      index(byCa, response.caId, key);
      index(byCertificate, certificateKey(response.caId, response.serialNumber), key);
      if (entries.size > maxEntries) {
        // Maps keep insertion order: the first key is the oldest response.
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) remove(oldest);
      }
    },
    invalidateCertificate(caId, serialNumber) {
      for (const key of [...(byCertificate.get(certificateKey(caId, serialNumber)) ?? [])]) {
        remove(key);
      }
    },
    invalidateCa(caId) {
      for (const key of [...(byCa.get(caId) ?? [])]) remove(key);
    },
    clear() {
      entries.clear();
      byCa.clear();
      byCertificate.clear();
    },
    async issuers(load, now, maxAgeMs = caListMs) {
      if (caList && now.getTime() - caList.loadedAt < maxAgeMs) return caList.issuers;
      loading ??= load()
        .then((rows) => {
          const issuers = toOcspIssuers(rows);
          caList = { issuers, loadedAt: now.getTime() };
          return issuers;
        })
        .finally(() => {
          loading = undefined;
        });
      return loading;
    },
    get size() {
      return entries.size;
    },
  };
}
