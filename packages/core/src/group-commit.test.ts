import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBatchedLookup, createGroupCommit } from "./group-commit";

/** A run() whose batches finish when the test says so. */
function controlledRun() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const run = (inputs: number[]) => {
    batches.push(inputs);
    return new Promise<number[]>((resolve, reject) => {
      releases.push(() =>
        inputs.includes(-1) ? reject(new Error("bad input")) : resolve(inputs.map((n) => n * 10)),
      );
    });
  };
  return { run, batches, release: () => releases.shift()?.() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("createGroupCommit", () => {
  it("runs the first call at once and groups the calls that arrive while it runs", async () => {
    const { run, batches, release } = controlledRun();
    const call = createGroupCommit(run);
    const first = call(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const rest = [call(2), call(3), call(4)];
    await tick();
    expect(batches).toEqual([[1]]);
    release();
    expect(await first).toBe(10);
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    release();
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
  });

  it("caps a batch at maxBatch", async () => {
    const { run, batches, release } = controlledRun();
    const call = createGroupCommit(run, { maxBatch: 2 });
    const calls = [call(1), call(2), call(3), call(4)];
    for (let i = 0; i < 3; i++) {
      await tick();
      release();
    }
    expect(await Promise.all(calls)).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });

  it("retries a failed batch one input at a time, so only the bad input fails", async () => {
    const calls: number[][] = [];
    const call = createGroupCommit(async (inputs: number[]) => {
      calls.push(inputs);
      if (inputs.includes(-1)) throw new Error("bad input");
      return inputs.map((n) => n * 10);
    });
    const first = call(0);
    const batch = [call(1), call(-1), call(2)];
    expect(await first).toBe(0);
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(calls).toEqual([[0], [1, -1, 2], [1], [-1], [2]]);
  });

  it("keeps working after a failure", async () => {
    const call = createGroupCommit(async (inputs: number[]) => {
      if (inputs.includes(-1)) throw new Error("bad input");
      return inputs;
    });
    await expect(call(-1)).rejects.toThrow("bad input");
    expect(await call(5)).toBe(5);
  });
});

describe("createGroupCommit when a batch hangs", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lets the next batch start beside it after stallMs", async () => {
    const batches: number[][] = [];
    const finish = new Map<number, () => void>();
    const call = createGroupCommit(
      (inputs: number[]) => {
        batches.push(inputs);
        return new Promise<number[]>((resolve) => {
          finish.set(inputs[0] as number, () => resolve(inputs.map((n) => n * 10)));
        });
      },
      { stallMs: 50 },
    );
    const hung = call(1);
    const waiting = [call(2), call(3)];
    await tick();
    expect(batches).toEqual([[1]]);
    // Just short of stallMs the waiting calls are still held back; at stallMs they go.
    await vi.advanceTimersByTimeAsync(49);
    expect(batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(1);
    // The first batch is still running; the waiting calls went ahead together.
    expect(batches).toEqual([[1], [2, 3]]);
    finish.get(2)?.();
    expect(await Promise.all(waiting)).toEqual([20, 30]);
    finish.get(1)?.();
    expect(await hung).toBe(10);
  });
});

describe("createBatchedLookup", () => {
  it("answers each key from one query's rows, whatever their order; undefined when missing", async () => {
    const queries: string[][] = [];
    const lookUp = createBatchedLookup({
      query: async (keys: string[]) => {
        queries.push(keys);
        return keys
          .filter((key) => key !== "missing")
          .reverse()
          .map((key) => ({ key, value: key.toUpperCase() }));
      },
      keyOf: (row) => row.key,
      toValue: (row) => row.value,
    });
    // The first runs at once, alone; the others wait for it and go together.
    const keys = ["a", "b", "missing", "c"];
    expect(await Promise.all(keys.map(lookUp))).toEqual(["A", "B", undefined, "C"]);
    expect(queries).toEqual([["a"], ["b", "missing", "c"]]);
  });
});
