import { type CertificateAuthorityRow, certificateAuthorities, type Executor } from "@certq/db";
import { eq } from "drizzle-orm";
import { BadRequestError, NotFoundError } from "../errors";
import { isUuid } from "../uuid";

export async function findCa(db: Executor, caId: string): Promise<CertificateAuthorityRow> {
  if (!isUuid(caId)) throw new NotFoundError("CA", caId);
  const [row] = await db
    .select()
    .from(certificateAuthorities)
    .where(eq(certificateAuthorities.id, caId))
    .limit(1);
  if (!row) throw new NotFoundError("CA", caId);
  return row;
}

/** The CA must be active and inside its validity to sign anything. */
export function assertCaCanSign(
  ca: Pick<CertificateAuthorityRow, "id" | "status" | "notAfter">,
  now: Date,
): void {
  if (ca.status !== "active") {
    throw new BadRequestError(`CA ${ca.id} is ${ca.status}, not active`, "caId");
  }
  if (ca.notAfter && ca.notAfter <= now) {
    throw new BadRequestError(`CA ${ca.id} expired on ${ca.notAfter.toISOString()}`, "caId");
  }
}
