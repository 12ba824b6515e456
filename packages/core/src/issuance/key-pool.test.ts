import { type GeneratedKeyPair, generateKeyPair, type KeyAlgorithm } from "@certq/pki";
import { describe, expect, it, vi } from "vitest";
import { createKeyPool } from "./key-pool";

/** Real key generation that records how often it ran. */
function countingGenerator() {
  const calls: KeyAlgorithm[] = [];
  const generate = (algorithm: KeyAlgorithm) => {
    calls.push(algorithm);
    return generateKeyPair(algorithm);
  };
  return { calls, generate };
}

describe("key pool", () => {
  it("fills to its bound, hands each key out once, refills, and generates when empty", async () => {
    const pool = createKeyPool({ EC_prime256v1: 5, RSA_2048: 0, bogus: 3 });
    await pool.filled();
    expect(pool.ready()).toEqual({ EC_prime256v1: 5 });
    const taken = await Promise.all(Array.from({ length: 8 }, () => pool.take("EC_prime256v1")));
    const distinct = new Set(taken.map((k) => k.privateKeyPkcs8.toString("hex")));
    expect(distinct.size).toBe(8);
    await pool.filled();
    expect(pool.ready()).toEqual({ EC_prime256v1: 5 });
    // An algorithm without a pool is generated on demand.
    const fresh = await pool.take("EC_secp384r1");
    expect(fresh.algorithm).toBe("EC_secp384r1");
    pool.stop();
    expect(pool.ready()).toEqual({});
  });

  it("serves a warm burst of RSA_2048 from the pool, generating none on demand", async () => {
    const { calls, generate } = countingGenerator();
    const pool = createKeyPool({ RSA_2048: 20 }, generate);
    await pool.filled();
    expect(calls).toHaveLength(20);
    const keys = await Promise.all(Array.from({ length: 20 }, () => pool.take("RSA_2048")));
    expect(new Set(keys.map((k) => k.publicKeySpki.toString("hex"))).size).toBe(20);
    // Every key of the burst was ready: none waited for a ~150 ms RSA-2048 generation.
    expect(calls).toHaveLength(20);
    pool.stop();
  }, 60_000);

  it("refills only once no key has been taken for idleMs, so a burst keeps its cores", async () => {
    // Real keys made beforehand; the clock is faked so idle windows do not depend on load.
    const keys = await Promise.all(
      Array.from({ length: 8 }, () => generateKeyPair("EC_prime256v1")),
    );
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      const generatedAt: number[] = [];
      const fromStock = async (): Promise<GeneratedKeyPair> => {
        generatedAt.push(performance.now());
        const key = keys.shift();
        if (!key) throw new Error("the test ran out of keys");
        return key;
      };
      const pool = createKeyPool({ EC_prime256v1: 3 }, fromStock, 150);
      await pool.filled();
      expect(generatedAt).toHaveLength(3);
      // A burst: takes 50 ms apart, each inside the idle window of the one before.
      let lastTake = 0;
      for (let i = 0; i < 4; i++) {
        await pool.take("EC_prime256v1");
        lastTake = performance.now();
        await vi.advanceTimersByTimeAsync(50);
      }
      // Three from the pool, the fourth generated on demand; no refill during the burst.
      expect(generatedAt).toHaveLength(4);
      // Still nothing just before the idle window after the last take closes...
      await vi.advanceTimersByTimeAsync(lastTake + 149 - performance.now());
      expect(generatedAt).toHaveLength(4);
      // ...and a full refill once it has.
      await vi.advanceTimersByTimeAsync(1);
      await pool.filled();
      expect(pool.ready()).toEqual({ EC_prime256v1: 3 });
      const refills = generatedAt.slice(4);
      expect(refills).toHaveLength(3);
      expect(Math.min(...refills) - lastTake).toBe(150);
      pool.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
