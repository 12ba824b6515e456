import { certificateRequests, type Executor } from "@certq/db";
import { eq } from "drizzle-orm";

/**
 * The ID of the issuance job that carries a request: its own ID, or the job it shares with
 * requests submitted at the same moment. Undefined for a request that does not exist.
 */
export async function findRequestJobId(
  db: Executor,
  requestId: string,
): Promise<string | undefined> {
  const [row] = await db
    .select({ id: certificateRequests.id, jobId: certificateRequests.jobId })
    .from(certificateRequests)
    .where(eq(certificateRequests.id, requestId))
    .limit(1);
  return row && (row.jobId ?? row.id);
}
