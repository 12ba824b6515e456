import { type CertificateProfileRow, certificateProfiles, type Executor } from "@certq/db";
import { eq } from "drizzle-orm";
import { NotFoundError } from "../errors";
import { isUuid } from "../uuid";

export async function findProfile(db: Executor, profileId: string): Promise<CertificateProfileRow> {
  if (!isUuid(profileId)) throw new NotFoundError("Certificate profile", profileId);
  const [row] = await db
    .select()
    .from(certificateProfiles)
    .where(eq(certificateProfiles.id, profileId))
    .limit(1);
  if (!row) throw new NotFoundError("Certificate profile", profileId);
  return row;
}
