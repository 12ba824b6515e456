import { describe, expect, it } from "vitest";
import { BENCH_PARTS, loadBenchConfig, parseBenchParts } from "./config";

describe("BENCH_PARTS", () => {
  it("runs every part when unset or empty", () => {
    expect([...parseBenchParts(undefined)]).toEqual([...BENCH_PARTS]);
    expect([...parseBenchParts("")]).toEqual([...BENCH_PARTS]);
    expect([...parseBenchParts(" , ")]).toEqual([...BENCH_PARTS]);
  });

  it("picks the named parts, in any order, case and spaces ignored", () => {
    expect([...parseBenchParts("submit")]).toEqual(["submit"]);
    const some = parseBenchParts(" CFSSL, bound ,submit,submit");
    expect(some.has("bound")).toBe(true);
    expect(some.has("submit")).toBe(true);
    expect(some.has("cfssl")).toBe(true);
    expect(some.has("e2e")).toBe(false);
    expect(some.has("burst")).toBe(false);
    expect(some.size).toBe(3);
  });

  it("refuses unknown names, naming them and the choices", () => {
    expect(() => parseBenchParts("submit,e2ee,bond")).toThrow(
      "BENCH_PARTS: unknown part(s) e2ee, bond; choose from bound,e2e,burst,scale,submit,bulk,ocsp,growth,topology,cfssl",
    );
  });

  it("is read with the other knobs", () => {
    const config = loadBenchConfig({ BENCH_PARTS: "submit", BENCH_SUBMIT: "100" });
    expect([...config.parts]).toEqual(["submit"]);
    expect(config.submitRequests).toBe(100);
    expect(loadBenchConfig({}).parts.size).toBe(BENCH_PARTS.length);
    expect(() => loadBenchConfig({ BENCH_PARTS: "all" })).toThrow(/unknown part\(s\) all/);
  });

  it("reads the scaling curve's worker counts, 1,2,4 by default", () => {
    expect(loadBenchConfig({}).scaleWorkers).toEqual([1, 2, 4]);
    expect(loadBenchConfig({ BENCH_SCALE_WORKERS: "1, 3,3" }).scaleWorkers).toEqual([1, 3]);
    expect(() => loadBenchConfig({ BENCH_SCALE_WORKERS: "1,0" })).toThrow(
      'BENCH_SCALE_WORKERS must be a comma list of integers 1..16, got "1,0"',
    );
  });
});
