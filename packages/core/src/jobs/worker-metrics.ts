import { Counter, Histogram, Registry } from "prom-client";
import type { IssueOutcome } from "../issuance/issue-request";

/** The worker's Prometheus metrics, on a registry of its own (no global state). */
export function createWorkerMetrics(registry = new Registry()) {
  const jobs = new Counter({
    name: "certq_issuance_jobs_total",
    help: "Issuance jobs processed, by outcome (issued, skipped, failed, retry)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "certq_issuance_duration_seconds",
    help: "Time to process one issuance job, by key algorithm",
    labelNames: ["key_algorithm"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const keyGeneration = new Histogram({
    name: "certq_key_generation_seconds",
    help: "Time to generate a leaf key, by key algorithm",
    labelNames: ["key_algorithm"] as const,
    buckets: [0.0005, 0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    record(outcome: IssueOutcome, seconds: number) {
      jobs.inc({ outcome: outcome.status });
      if (outcome.status !== "issued") return;
      duration.observe({ key_algorithm: outcome.keyAlgorithm }, seconds);
      if (outcome.keyGenerationMs > 0) {
        keyGeneration.observe(
          { key_algorithm: outcome.keyAlgorithm },
          outcome.keyGenerationMs / 1000,
        );
      }
    },
    recordFailure(permanent: boolean) {
      jobs.inc({ outcome: permanent ? "failed" : "retry" });
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
