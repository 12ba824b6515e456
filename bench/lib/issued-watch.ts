import type { TestDatabase } from "@certq/db/testing";
import { sleep } from "./stats";

export interface Outcome {
  status: "issued" | "failed";
  /** The row's updated_at (set by the worker's issuing UPDATE), epoch ms. */
  at: number;
}

const POLL_MS = 100;
/** updated_at is stamped before the worker's transaction commits; look back this far. */
const LOOKBACK_MS = 5_000;

/**
 * Watches one profile's requests leave `pending` by polling Postgres every 100 ms
 * (SELECT id, updated_at ... WHERE status <> 'pending'), looking back only a few seconds
 * behind the newest row seen, so each poll stays small.
 */
export class IssuedWatch {
  readonly outcomes = new Map<string, Outcome>();
  private newest = 0;

  constructor(
    private readonly db: TestDatabase,
    private readonly profileId: string,
    private readonly since: number,
  ) {}

  async poll(): Promise<void> {
    // drizzle's postgres.js client takes timestamps as strings, not Date objects.
    const from = new Date(Math.max(this.since, this.newest) - LOOKBACK_MS).toISOString();
    const created = new Date(this.since - LOOKBACK_MS).toISOString();
    // By (status, created_at), which the product indexes: on profile and updated_at alone,
    // each poll read every row, and at a million rows the watch outweighed the API.
    const rows = await this.db.sql<{ id: string; status: "issued" | "failed"; at: number }[]>`
      select id, status, (extract(epoch from updated_at) * 1000)::float8 as at
      from certificate_requests
      where status in ('issued', 'failed') and created_at >= ${created}::timestamptz
        and profile_id = ${this.profileId} and updated_at >= ${from}::timestamptz`;
    for (const row of rows) {
      if (this.outcomes.has(row.id)) continue;
      const at = Number(row.at);
      this.outcomes.set(row.id, { status: row.status, at });
      if (at > this.newest) this.newest = at;
    }
  }

  /** Polls every 100 ms while `work` runs (so polls stay small), then returns its result. */
  async during<T>(work: Promise<T>): Promise<T> {
    let finished = false;
    const result = work.finally(() => {
      finished = true;
    });
    while (!finished) {
      await this.poll();
      await Promise.race([sleep(POLL_MS), result.catch(() => {})]);
    }
    return result;
  }

  /**
   * Polls until every ID has an outcome. Bounded: gives up after timeoutMs overall, or
   * after stallMs without a new outcome; returns how many are still pending.
   */
  async waitFor(ids: readonly string[], timeoutMs: number, stallMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let lastProgress = Date.now();
    let seen = -1;
    for (;;) {
      await this.poll();
      const done = ids.filter((id) => this.outcomes.has(id)).length;
      if (done === ids.length) return 0;
      if (done !== seen) {
        seen = done;
        lastProgress = Date.now();
      }
      if (Date.now() > deadline || Date.now() - lastProgress > stallMs) return ids.length - done;
      await sleep(POLL_MS);
    }
  }
}
