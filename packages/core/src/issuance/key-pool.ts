import {
  type GeneratedKeyPair,
  generateKeyPair,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
} from "@certq/pki";

export type KeySource = (algorithm: KeyAlgorithm) => Promise<GeneratedKeyPair>;

export interface KeyPool {
  /** A ready key when the pool has one (removed, never handed out twice), else a fresh one. */
  take: KeySource;
  /** How many keys of each algorithm are ready now. */
  ready(): Partial<Record<KeyAlgorithm, number>>;
  /** Resolves when every pool is full (for tests and warm-up). */
  filled(): Promise<void>;
  stop(): void;
}

/**
 * A bounded in-memory pool of pre-generated keys per algorithm, for RSA whose generation
 * takes 0.15-1.5 s: a burst no larger than the pool is issued without waiting for it.
 * Keys live only in this process's memory; they are never persisted or logged. Refills
 * run one key at a time on Node's thread pool, and only once no key has been taken for
 * idleMs: a refill started mid-burst would take a core from the burst it is meant to serve.
 */
export function createKeyPool(
  requested: Record<string, number>,
  generate: KeySource = generateKeyPair,
  idleMs = 250,
): KeyPool {
  const sizes: Partial<Record<KeyAlgorithm, number>> = {};
  const pools = new Map<KeyAlgorithm, GeneratedKeyPair[]>();
  for (const algorithm of KEY_ALGORITHMS) {
    const size = requested[algorithm] ?? 0;
    if (size > 0) {
      sizes[algorithm] = size;
      pools.set(algorithm, []);
    }
  }
  let stopped = false;
  let filling: Promise<void> | null = null;
  let lastTake = Number.NEGATIVE_INFINITY;
  let idleTimer: NodeJS.Timeout | undefined;
  const busy = () => performance.now() - lastTake < idleMs;
  const waiters: (() => void)[] = [];

  const missing = () =>
    [...pools].find(([algorithm, keys]) => keys.length < (sizes[algorithm] ?? 0))?.[0];

  function refill() {
    if (filling || stopped) return;
    filling = (async () => {
      for (let algorithm = missing(); algorithm && !stopped && !busy(); algorithm = missing()) {
        const key = await generate(algorithm);
        pools.get(algorithm)?.push(key);
      }
    })()
      .catch(() => {})
      .finally(() => {
        filling = null;
        if (!missing()) for (const wake of waiters.splice(0)) wake();
        else if (!stopped) refillWhenIdle();
      });
  }
  /** Runs refill once idleMs have passed since the last take. */
  function refillWhenIdle() {
    clearTimeout(idleTimer);
    if (stopped) return;
    idleTimer = setTimeout(() => (busy() ? refillWhenIdle() : refill()), idleMs);
    idleTimer.unref();
  }
  refill();

  return {
    async take(algorithm) {
      lastTake = performance.now();
      const key = pools.get(algorithm)?.shift();
      refillWhenIdle();
      return key ?? generate(algorithm);
    },
    ready: () => Object.fromEntries([...pools].map(([a, keys]) => [a, keys.length])),
    filled: () =>
      missing() ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve(),
    stop() {
      stopped = true;
      clearTimeout(idleTimer);
      pools.clear();
    },
  };
}
