import { describe, expect, it } from "vitest";
import { createKeyPool } from "./key-pool";

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
});
