import { describe, expect, it } from "vitest";
import { createOcspCache } from "./ocsp-cache";

const at = (ms: number) => new Date(1_800_000_000_000 + ms);
const request = (name: string) => Buffer.from(`request ${name}`);
const response = (caId: string, thisUpdateMs = 0) => ({
  der: Buffer.from(caId),
  caId,
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
