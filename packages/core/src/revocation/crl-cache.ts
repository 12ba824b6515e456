/** A CA's current CRL as stored: the DER and what an HTTP answer says about it. */
export interface CurrentCrl {
  caId: string;
  crlNumber: bigint;
  der: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
}

/**
 * The latest CRL of each CA, held once in this process. A CRL of 100,000 entries is about
 * 5 MB: read from the database and copied per download, 32 downloads at once cost 300 MB;
 * served from here they share one buffer (memory per request stays O(1)). Entries are keyed
 * by CA and checked against the stored CRL number on each ask, so a CRL rebuilt by any
 * process is picked up at once. `single` runs one build per CA at a time: when a stale CRL
 * meets many askers, one builds and the rest wait for it.
 */
export interface CrlCache {
  get(caId: string): CurrentCrl | undefined;
  set(crl: CurrentCrl): void;
  single(caId: string, build: () => Promise<CurrentCrl>): Promise<CurrentCrl>;
}

export function createCrlCache(): CrlCache {
  const crls = new Map<string, CurrentCrl>();
  const building = new Map<string, Promise<CurrentCrl>>();
  const keep = (crl: CurrentCrl) => {
    const held = crls.get(crl.caId);
    // Never step back to a lower number (a slower reader finishing after a newer build).
    if (!held || held.crlNumber <= crl.crlNumber) crls.set(crl.caId, crl);
  };
  return {
    get: (caId) => crls.get(caId),
    set: keep,
    single(caId, build) {
      const running = building.get(caId);
      if (running) return running;
      const started = build()
        .then((crl) => {
          keep(crl);
          return crl;
        })
        .finally(() => building.delete(caId));
      building.set(caId, started);
      return started;
    },
  };
}
