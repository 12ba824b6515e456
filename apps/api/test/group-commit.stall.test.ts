import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  const ca = await createRootCa(h, "EC_prime256v1");
  profileId = await createProfile(h, ca.id);
});
afterAll(() => h.close());

/** Resolves once a session of this database waits on a row lock: the hung INSERT. */
async function waitForLockWait(harness: Harness): Promise<void> {
  for (;;) {
    const [row] = await harness.db.sql<{ waiting: number }[]>`
      select count(*)::int as waiting from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`;
    if ((row?.waiting ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("submissions stored by group commit", () => {
  it("keep being accepted while one batch hangs on a lock", async () => {
    // Another transaction holds an uncommitted request with the same token and
    // Idempotency-Key, so the INSERT of the submission below waits on it: a hung batch.
    const [token] = await h.db.sql<{ id: string }[]>`select id from access_tokens limit 1`;
    const blocker = await h.db.sql.reserve();
    try {
      await blocker`begin`;
      await blocker`
        insert into certificate_requests (profile_id, ca_id, kind, params, token_id, idempotency_key, request_hash)
        select p.id, p.ca_id, 'generate-key', '{}'::jsonb, ${token?.id as string}, 'stall-key', 'h'
        from certificate_profiles p where p.id = ${profileId}`;

      let hungSettled = false;
      const hung = submit(
        h,
        { profileId, commonName: "hung.example.test" },
        {
          "idempotency-key": "stall-key",
        },
      ).finally(() => {
        hungSettled = true;
      });
      await waitForLockWait(h);

      // Queued behind the hung batch, they go ahead once it has run for stallMs (1 s).
      const others = await Promise.all(
        [1, 2, 3].map((i) => submit(h, { profileId, commonName: `after-${i}.example.test` })),
      );
      expect(others.map((res) => res.status)).toEqual([202, 202, 202]);
      expect(hungSettled).toBe(false);

      // Once the other transaction gives up its row, the hung submission is stored too.
      await blocker`rollback`;
      expect((await hung).status).toBe(202);
    } finally {
      blocker.release();
    }
  });
});
