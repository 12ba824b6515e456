import { type IssuanceQueue, issueJobRequestIds } from "@certq/core";

/**
 * How many requests each named worker issued, by the completed jobs it processed (BullMQ
 * records the worker's name, host:pid, on each job as processedBy; a job may carry several
 * requests). Reads completed jobs in pages; bounded.
 */
export async function completedByWorker(
  queue: IssuanceQueue,
  names: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(names.map((n) => [n, 0]));
  const page = 1_000;
  for (let start = 0; start < 1_000_000; start += page) {
    const jobs = await queue.getJobs(["completed"], start, start + page - 1, true);
    for (const job of jobs) {
      const by = job?.processedBy;
      if (by === undefined || !counts.has(by)) continue;
      counts.set(by, (counts.get(by) ?? 0) + issueJobRequestIds(job.data).length);
    }
    if (jobs.length < page) break;
  }
  return counts;
}
