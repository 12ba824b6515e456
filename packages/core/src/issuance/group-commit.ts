/** One call's input and how to answer it. */
interface Pending<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent calls into batches, the way a database groups commits: the first call
 * runs at once, alone; calls made while a batch is running wait and go together in the next
 * one (at most maxBatch). So an idle caller pays no added latency, and a busy one pays one
 * round trip and one commit per batch instead of per call. `run` answers each input in order.
 * When a batch of several fails, each of its inputs is retried alone, so one bad input cannot
 * fail the others.
 */
export function createGroupCommit<I, O>(
  run: (inputs: I[]) => Promise<O[]>,
  maxBatch = 64,
): (input: I) => Promise<O> {
  const waiting: Pending<I, O>[] = [];
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

  async function drain(): Promise<void> {
    running = true;
    try {
      while (waiting.length > 0) await settle(waiting.splice(0, maxBatch));
    } finally {
      running = false;
    }
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      if (!running) void drain();
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
