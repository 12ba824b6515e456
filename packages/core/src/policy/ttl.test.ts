import { describe, expect, it } from "vitest";
import { BadRequestError } from "../errors";
import { formatTtl, parseTtl } from "./ttl";

const S = 1_000;
const D = 86_400 * S;

describe("parseTtl", () => {
  it.each([
    ["1s", S],
    ["30m", 30 * 60 * S],
    ["12h", 12 * 3_600 * S],
    ["90d", 90 * D],
    ["2w", 14 * D],
    ["1y", 365 * D],
    ["100y", 36_500 * D],
    ["36500d", 36_500 * D],
    ["007d", 7 * D],
  ])("reads %s", (ttl, ms) => {
    expect(parseTtl(ttl)).toBe(ms);
  });

  it.each([
    "",
    "0s",
    "0d",
    "00h",
    "90",
    "d",
    "-1d",
    "1.5d",
    "90D",
    " 90d",
    "90d ",
    "90 days",
    "1d12h",
    "1ms",
    "101y",
    "36501d",
    "99999999999999999999999y",
  ])("refuses %j", (ttl) => {
    const error = (() => {
      try {
        parseTtl(ttl);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      field: "ttl",
      message: expect.stringContaining(`ttl '${ttl}' is not a duration like 90d, 12h, 30m or 1y`),
    });
  });

  it("says why a ttl over 100 years is refused", () => {
    expect(() => parseTtl("200y")).toThrow(/exceeds 100y/);
  });
});

describe("formatTtl", () => {
  it.each([
    [90 * D, "90d"],
    [400 * D, "400d"],
    [14 * D, "14d"],
    [365 * D, "1y"],
    [3_600 * S, "1h"],
    [90 * S, "90s"],
    [90 * D + 3_600 * S + 500, "90d 1h 500ms"],
    [1_500, "1s 500ms"],
  ])("writes %d ms as %s", (ms, text) => {
    expect(formatTtl(ms)).toBe(text);
  });

  it.each(["90d", "12h", "30m", "1y", "45s"])("round-trips %s", (ttl) => {
    expect(formatTtl(parseTtl(ttl))).toBe(ttl);
  });
});
