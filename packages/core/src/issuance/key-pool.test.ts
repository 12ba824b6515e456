import { generateKeyPair, type KeyAlgorithm } from "@certq/pki";
import { describe, expect, it } from "vitest";
import { createKeyPool } from "./key-pool";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  it("serves a warm burst of RSA_2048 without waiting for key generation", async () => {
    const pool = createKeyPool({ RSA_2048: 20 });
    await pool.filled();
    const started = performance.now();
    const keys = await Promise.all(Array.from({ length: 20 }, () => pool.take("RSA_2048")));
    const elapsed = performance.now() - started;
    expect(new Set(keys.map((k) => k.publicKeySpki.toString("hex"))).size).toBe(20);
    // One RSA-2048 generation alone takes ~150 ms here; twenty from the pool take far less.
    expect(elapsed).toBeLessThan(50);
    pool.stop();
  }, 60_000);

  it("refills only once no key has been taken for idleMs, so a burst keeps its cores", async () => {
    const generated: number[] = [];
    const counting = (algorithm: KeyAlgorithm) => {
      generated.push(performance.now());
      return generateKeyPair(algorithm);
    };
    const pool = createKeyPool({ EC_prime256v1: 3 }, counting, 150);
    await pool.filled();
    expect(generated).toHaveLength(3);
    // A burst: takes 50 ms apart, each inside the idle window of the one before.
    let lastTake = 0;
    for (let i = 0; i < 4; i++) {
      await pool.take("EC_prime256v1");
      lastTake = performance.now();
      await sleep(50);
    }
    // Three from the pool, the fourth generated on demand; no refill during the burst.
    expect(generated).toHaveLength(4);
    await pool.filled();
    expect(pool.ready()).toEqual({ EC_prime256v1: 3 });
    const refills = generated.slice(4);
    expect(refills).toHaveLength(3);
    expect(Math.min(...refills) - lastTake).toBeGreaterThanOrEqual(100);
    pool.stop();
  });
});
