/**
 * A steady load of submissions across a Redis failover, and what it ended as: the shared
 * core of the Sentinel and Cluster suites.
 */
import { expect } from "vitest";
import { delay, type FaultWorld, formatOutcome, type Outcome } from "./process-harness";

export type Phase = "before" | "failover" | "after";

export interface Submission {
  phase: Phase;
  /** The HTTP status, or how the call ended without one. */
  status: number | "timeout" | "network-error";
  text: string;
  body: unknown;
  startedAt: number;
  endedAt: number;
}

export interface FailoverFigures {
  outcome: Outcome;
  submissions: Submission[];
  /** From the kill to the first accepted submission sent after it. */
  secondsToRecover: number;
  /** From the kill until the topology itself reported the new master serving. */
  secondsToPromotion: number;
  refused: number;
}

const CLIENTS = 3;
const SUBMIT_TIMEOUT_MS = 10_000;
const MAX_SUBMISSIONS = 800;
const ACCEPTED_BEFORE = 30;
const ACCEPTED_AFTER = 20;

/**
 * Submits from three paced clients; once ACCEPTED_BEFORE are accepted, `kill` removes the
 * master, `takeover` resolves when the topology has promoted a replica; the load goes on until
 * ACCEPTED_AFTER submissions sent after the takeover are accepted, then every accepted request
 * is awaited in Postgres.
 */
export async function runFailoverUnderLoad(args: {
  world: FaultWorld;
  profileId: string;
  label: string;
  kill: () => Promise<void>;
  takeover: () => Promise<void>;
}): Promise<FailoverFigures> {
  const { world } = args;
  let phase: Phase = "before";
  let stopped = false;
  const submissions: Submission[] = [];
  const accepted = (only?: Phase) =>
    submissions.filter((s) => s.status === 202 && (!only || s.phase === only));
  const client = async (clientIndex: number) => {
    for (let i = 0; !stopped && submissions.length < MAX_SUBMISSIONS; i++) {
      const startedIn = phase;
      const startedAt = Date.now();
      try {
        const reply = await world.submit(
          args.profileId,
          `f${clientIndex}-${i}.example.test`,
          "EC_prime256v1",
          SUBMIT_TIMEOUT_MS,
        );
        submissions.push({
          phase: startedIn,
          status: reply.status,
          text: reply.text,
          body: reply.body,
          startedAt,
          endedAt: Date.now(),
        });
      } catch (error) {
        const name = (error as Error).name;
        submissions.push({
          phase: startedIn,
          status: name === "TimeoutError" || name === "AbortError" ? "timeout" : "network-error",
          text: String(error),
          body: undefined,
          startedAt,
          endedAt: Date.now(),
        });
      }
      // Pacing: a steady client, not a busy spin on 503s.
      await delay(50);
    }
  };
  const clients = Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  let killedAt = 0;
  let promotedAt = 0;
  try {
    await world.waitFor(async () => (accepted().length >= ACCEPTED_BEFORE ? true : undefined), {
      timeoutMs: 60_000,
      describe: () => `accepted ${accepted().length} of ${submissions.length}`,
    });
    phase = "failover";
    killedAt = Date.now();
    await args.kill();
    await args.takeover();
    promotedAt = Date.now();
    phase = "after";
    await world.waitFor(
      async () => (accepted("after").length >= ACCEPTED_AFTER ? true : undefined),
      {
        timeoutMs: 60_000,
        describe: () =>
          `accepted after the takeover ${accepted("after").length}; last: ${submissions
            .slice(-3)
            .map((s) => `${s.status} ${s.text}`)
            .join(" | ")}`,
      },
    );
  } finally {
    stopped = true;
    await clients;
  }
  const ids = accepted().map(
    (s) => (s.body as { certificateRequestId: string }).certificateRequestId,
  );
  const outcome = await world.waitUntilSettled(ids, { timeoutMs: 90_000 });
  const firstAfterKill = submissions
    .filter((s) => s.status === 202 && s.startedAt >= killedAt)
    .sort((a, b) => a.endedAt - b.endedAt)[0];
  const figures: FailoverFigures = {
    outcome,
    submissions,
    secondsToRecover: firstAfterKill ? (firstAfterKill.endedAt - killedAt) / 1000 : Number.NaN,
    secondsToPromotion: (promotedAt - killedAt) / 1000,
    refused: submissions.filter((s) => s.status === 503).length,
  };
  console.log(
    `${args.label} failover: ${formatOutcome(outcome)} submissions=${submissions.length} 503=${figures.refused} ` +
      `accepted before/during/after=${accepted("before").length}/${accepted("failover").length}/${accepted("after").length} ` +
      `promotion=${figures.secondsToPromotion.toFixed(1)} s recovered (first 202 sent after the kill)=${figures.secondsToRecover.toFixed(1)} s`,
  );
  return figures;
}

const errorShape = {
  reqId: expect.any(String),
  statusCode: 503,
  message: expect.any(String),
  error: expect.any(String),
};

/** What every failover must end as: 202 or 503 only, every accepted request issued once. */
export function expectCleanFailover(world: FaultWorld, figures: FailoverFigures) {
  const unexpected = figures.submissions.filter((s) => s.status !== 202 && s.status !== 503);
  expect(
    unexpected.map((s) => {
      const reqId = (s.body as { reqId?: string } | undefined)?.reqId;
      return [`${s.phase} ${s.status} ${s.text}`, ...(reqId ? world.linesMentioning(reqId) : [])];
    }),
    "submissions answered neither 202 nor 503",
  ).toEqual([]);
  for (const s of figures.submissions.filter((s) => s.status === 503)) {
    expect(s.body, s.text).toMatchObject(errorShape);
  }
  expect(figures.secondsToRecover, "no submission sent after the kill was accepted").not.toBeNaN();
  const { outcome } = figures;
  expect(outcome).toMatchObject({
    issued: outcome.accepted,
    failed: 0,
    lost: 0,
    issuedTwice: 0,
    certificates: outcome.accepted,
  });
}
