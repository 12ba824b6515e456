import { describe, expect, it } from "vitest";
import { createOcspCache } from "./ocsp-cache";

const at = (ms: number) => new Date(1_800_000_000_000 + ms);
const response = (caId: string, thisUpdateMs = 0) => ({
  der: Buffer.from(caId),
  caId,
  thisUpdate: at(thisUpdateMs),
  nextUpdate: at(thisUpdateMs + 3_600_000),
});

describe("createOcspCache", () => {
  it("serves an entry until refreshAfterMs, and never past nextUpdate", () => {
    const cache = createOcspCache({ refreshAfterMs: 60_000 });
    cache.set("sha1:01", response("ca"));
    expect(cache.get("ca", "sha1:01", at(59_999))?.der.toString()).toBe("ca");
    expect(cache.get("ca", "sha1:01", at(60_000))).toBeUndefined();
    expect(cache.get("ca", "sha256:01", at(0))).toBeUndefined();
    const late = createOcspCache({ refreshAfterMs: 10 * 3_600_000 });
    late.set("sha1:01", response("ca"));
    expect(late.get("ca", "sha1:01", at(3_600_000))).toBeUndefined();
  });

  it("drops one CA's entries on invalidation, and the oldest past maxEntries", () => {
    const cache = createOcspCache({ maxEntries: 3 });
    cache.set("a1", response("ca-a"));
    cache.set("a2", response("ca-a"));
    cache.set("b1", response("ca-b"));
    cache.set("a1", response("ca-a")); // a replacement, not a new entry
    expect(cache.size).toBe(3);
    cache.set("a3", response("ca-a"));
    expect(cache.size).toBe(3);
    expect(cache.get("ca-a", "a2", at(0))).toBeUndefined();
    expect(cache.get("ca-a", "a1", at(0))).toBeDefined();
    cache.invalidateCa("ca-a");
    expect(cache.size).toBe(1);
    expect(cache.get("ca-a", "a1", at(0))).toBeUndefined();
    expect(cache.get("ca-b", "b1", at(0))).toBeDefined();
  });

  it("reads the CA list once per caListMs, once for concurrent askers, sooner when asked", async () => {
    const cache = createOcspCache({ caListMs: 30_000 });
    let loads = 0;
    const load = async () => {
      loads++;
      return [];
    };
    await Promise.all([cache.cas(load, at(0)), cache.cas(load, at(0))]);
    await cache.cas(load, at(29_000));
    expect(loads).toBe(1);
    await cache.cas(load, at(29_000), 1_000);
    expect(loads).toBe(2);
    await cache.cas(load, at(60_000));
    expect(loads).toBe(3);
  });
});
