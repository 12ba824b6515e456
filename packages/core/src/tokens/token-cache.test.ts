import { describe, expect, it } from "vitest";
import { type CachedToken, createTokenCache } from "./token-cache";

const token = (tokenId: string): CachedToken => ({
  principal: {
    tokenId,
    tokenName: tokenId,
    scopes: ["certificates:read"],
    rateLimitPerSecond: null,
  },
  expiresAt: null,
});

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("token cache", () => {
  it("keeps a looked-up token for ttlMs, then asks again", () => {
    const c = clock();
    const cache = createTokenCache({ ttlMs: 500, now: c.now });
    cache.set("h1", token("t1"), cache.stamp());
    expect(cache.get("h1")?.principal.tokenId).toBe("t1");
    c.advance(499);
    expect(cache.get("h1")).toBeDefined();
    c.advance(1);
    expect(cache.get("h1")).toBeUndefined();
  });

  it("never keeps anything longer than a second, whatever it is told", () => {
    const c = clock();
    const cache = createTokenCache({ ttlMs: 60_000, now: c.now });
    cache.set("h1", token("t1"), cache.stamp());
    c.advance(1_000);
    expect(cache.get("h1")).toBeUndefined();
  });

  it("keeps nothing with ttlMs 0", () => {
    const cache = createTokenCache({ ttlMs: 0 });
    cache.set("h1", token("t1"), cache.stamp());
    expect(cache.get("h1")).toBeUndefined();
  });

  it("holds at most maxEntries, dropping the oldest first", () => {
    const cache = createTokenCache({ ttlMs: 1_000, maxEntries: 2, now: clock().now });
    cache.set("h1", token("t1"), cache.stamp());
    cache.set("h2", token("t2"), cache.stamp());
    cache.set("h3", token("t3"), cache.stamp());
    expect(cache.get("h1")).toBeUndefined();
    expect(cache.get("h2")?.principal.tokenId).toBe("t2");
    expect(cache.get("h3")?.principal.tokenId).toBe("t3");
  });

  it("forgets a deleted token at once", () => {
    const cache = createTokenCache({ ttlMs: 1_000, now: clock().now });
    cache.set("h1", token("t1"), cache.stamp());
    cache.set("h2", token("t2"), cache.stamp());
    cache.forget("t1");
    expect(cache.get("h1")).toBeUndefined();
    expect(cache.get("h2")).toBeDefined();
  });

  it("refuses a lookup that started before the token was forgotten", () => {
    const c = clock();
    const cache = createTokenCache({ ttlMs: 1_000, now: c.now });
    const started = cache.stamp();
    c.advance(5);
    cache.forget("t1");
    c.advance(5_000);
    // The lookup read the row before the DELETE and answers late: not cached.
    cache.set("h1", token("t1"), started);
    expect(cache.get("h1")).toBeUndefined();
  });
});
