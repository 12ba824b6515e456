import { BadRequestError } from "../errors";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

const UNIT_MS = { s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY, y: YEAR } as const;
const TTL = /^(\d+)([smhdwy])$/;
const MAX_TTL_MS = 100 * YEAR;

/**
 * Milliseconds of a duration written as an integer and one unit: s, m, h, d, w or y
 * (y = 365 days), e.g. `90d`, `12h`. Zero, bare numbers, mixed units and anything over
 * 100 years throw BadRequestError(field "ttl").
 */
export function parseTtl(ttl: string): number {
  const match = TTL.exec(ttl);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
  const problem = ms <= 0 ? "" : ms > MAX_TTL_MS ? ": it exceeds 100y" : undefined;
  if (problem !== undefined) {
    throw new BadRequestError(
      `ttl '${ttl}' is not a duration like 90d, 12h, 30m or 1y${problem}`,
      "ttl",
    );
  }
  return ms;
}

// Weeks are left out on purpose: "14d" reads better in a message than "2w".
const DISPLAY_UNITS = [
  ["y", YEAR],
  ["d", DAY],
  ["h", HOUR],
  ["m", MINUTE],
  ["s", SECOND],
] as const;

/**
 * A duration for messages: one unit when it divides exactly (`90d`, `1y`), otherwise
 * every part down to milliseconds (`90d 1h 500ms`), so a limit is never shown rounded.
 */
export function formatTtl(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return `${ms}ms`;
  for (const [unit, size] of DISPLAY_UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of DISPLAY_UNITS.slice(1)) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join(" ");
}
