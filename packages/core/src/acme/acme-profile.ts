import { certificateAuthorities, certificateProfiles } from "@certq/db";
import { eq } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { type AcmeEnrollment, profileEnrollmentSchema } from "../profiles/enrollment-schema";
import { isUuid } from "../uuid";
import { AcmeProblem } from "./acme-problem";
import { type AcmeUrls, acmeUrls } from "./acme-urls";

export async function findAcmeProfile(ctx: ServiceContext, profileId: string) {
  const notFound = new AcmeProblem("malformed", `No ACME directory for profile '${profileId}'`, {
    status: 404,
  });
  if (!isUuid(profileId)) throw notFound;
  const [row] = await ctx.db
    .select({ profile: certificateProfiles, ca: certificateAuthorities })
    .from(certificateProfiles)
    .innerJoin(certificateAuthorities, eq(certificateAuthorities.id, certificateProfiles.caId))
    .where(eq(certificateProfiles.id, profileId.toLowerCase()))
    .limit(1);
  const acme = row
    ? profileEnrollmentSchema.safeParse(row.profile.enrollment).data?.acme
    : undefined;
  if (!row || !acme) throw notFound;
  return { ...row, acme, urls: acmeUrls(ctx.publicUrl, row.profile.id) };
}

export type AcmeProfile = Awaited<ReturnType<typeof findAcmeProfile>> & {
  acme: AcmeEnrollment;
  urls: AcmeUrls;
};
