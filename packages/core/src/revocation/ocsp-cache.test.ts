import { describe, expect, it } from "vitest";
import { createOcspCache } from "./ocsp-cache";

const at = (ms: number) => new Date(1_800_000_000_000 + ms);
const request = (name: string) => Buffer.from(`request ${name}`);
const response = (caId: string, thisUpdateMs = 0, serialNumber = "01") => ({
  der: Buffer.from(caId),
  caId,
  serialNumber,
  thisUpdate: at(thisUpdateMs),
  nextUpdate: at(thisUpdateMs + 3_600_000),
});

describe("createOcspCache", () => {
  it("serves an entry for the same request bytes until refreshAfterMs, and never past nextUpdate", () => {
    const cache = createOcspCache({ refreshAfterMs: 60_000 });
    cache.set(request("a"), response("ca"));
    expect(cache.get(request("a"), at(59_999))?.der.toString()).toBe("ca");
    expect(cache.get(request("a"), at(60_000))).toBeUndefined();
    expect(cache.get(request("b"), at(0))).toBeUndefined();
    const late = createOcspCache({ refreshAfterMs: 10 * 3_600_000 });
    late.set(request("a"), response("ca"));
    expect(late.get(request("a"), at(3_600_000))).toBeUndefined();
  });

  it("drops one CA's entries on invalidation, and the oldest past maxEntries", () => {
    const cache = createOcspCache({ maxEntries: 3 });
    cache.set(request("a1"), response("ca-a"));
    cache.set(request("a2"), response("ca-a"));
    cache.set(request("b1"), response("ca-b"));
    cache.set(request("a1"), response("ca-a")); // a replacement, not a new entry
    expect(cache.size).toBe(3);
    cache.set(request("a3"), response("ca-a"));
    expect(cache.size).toBe(3);
    expect(cache.get(request("a2"), at(0))).toBeUndefined();
    expect(cache.get(request("a1"), at(0))).toBeDefined();
    cache.invalidateCa("ca-a");
    expect(cache.size).toBe(1);
    expect(cache.get(request("a1"), at(0))).toBeUndefined();
    expect(cache.get(request("b1"), at(0))).toBeDefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("drops only the revoked certificate's entries, under every CertID hash a client used", () => {
    const cache = createOcspCache();
    cache.set(request("sha1 of 0a"), response("ca-a", 0, "0a"));
    cache.set(request("sha256 of 0a"), response("ca-a", 0, "0a"));
    cache.set(request("0b"), response("ca-a", 0, "0b"));
    // The same serial under another CA is another certificate.
    cache.set(request("0a of ca-b"), response("ca-b", 0, "0a"));
    cache.invalidateCertificate("ca-a", "0a");
    expect(cache.get(request("sha1 of 0a"), at(0))).toBeUndefined();
    expect(cache.get(request("sha256 of 0a"), at(0))).toBeUndefined();
    expect(cache.get(request("0b"), at(0))).toBeDefined();
    expect(cache.get(request("0a of ca-b"), at(0))).toBeDefined();
    expect(cache.size).toBe(2);
    // A replaced entry moves to its new certificate's index, not both.
    cache.set(request("0b"), response("ca-a", 0, "0c"));
    cache.invalidateCertificate("ca-a", "0b");
    expect(cache.get(request("0b"), at(0))).toBeDefined();
    cache.invalidateCertificate("ca-a", "0c");
    expect(cache.get(request("0b"), at(0))).toBeUndefined();
  });

  it("reads the CA list once per caListMs, once for concurrent askers, sooner when asked", async () => {
    const cache = createOcspCache({ caListMs: 30_000 });
    let loads = 0;
    const load = async () => {
      loads++;
      return [];
    };
    await Promise.all([cache.issuers(load, at(0)), cache.issuers(load, at(0))]);
    await cache.issuers(load, at(29_000));
    expect(loads).toBe(1);
    await cache.issuers(load, at(29_000), 1_000);
    expect(loads).toBe(2);
    await cache.issuers(load, at(60_000));
    expect(loads).toBe(3);
  });
});
