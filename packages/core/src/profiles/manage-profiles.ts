import { randomUUID } from "node:crypto";
import { certificateProfiles } from "@certq/db";
import { asc, eq } from "drizzle-orm";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import { findCa } from "../cas/find-ca";
import type { ServiceContext } from "../context";
import { ConflictError, InvalidFieldError, NotFoundError } from "../errors";
import { isForeignKeyViolation, isUniqueViolation } from "../pg-errors";
import { generateWebhookSecret, sealWebhookSecret } from "../webhooks/webhook-secret";
import { findProfile } from "./find-profile";
import type { CreateProfileInput, ProfileView, UpdateProfileInput } from "./profile-schemas";
import { toProfileView } from "./profile-view";

interface Args {
  ctx: ServiceContext;
  principal: Principal;
}

/**
 * A webhook URL whose literal host is refused (127.0.0.1, 10.x, [::1], localhost) can never
 * be delivered: a 422 naming the field. Hostnames are judged at delivery, after DNS.
 */
function checkWebhookHost(ctx: ServiceContext, url: string | null | undefined): void {
  if (!url) return;
  const reason = ctx.outbound.policy.literalHostRefusal(url);
  if (reason === undefined) return;
  throw new InvalidFieldError(
    "webhookUrl",
    `its host is a ${reason}, which webhooks may not reach unless CERTQ_OUTBOUND_ALLOW allows it`,
  );
}

export async function createProfile(
  args: Args & { input: CreateProfileInput },
): Promise<ProfileView> {
  requireScope(args.principal, "profiles:manage");
  const { input } = args;
  checkWebhookHost(args.ctx, input.webhookUrl);
  await findCa(args.ctx.db, input.caId);
  const id = randomUUID();
  const webhookSecret = input.webhookUrl ? generateWebhookSecret() : undefined;
  try {
    const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
      const [row] = await tx
        .insert(certificateProfiles)
        .values({
          id,
          slug: input.slug,
          description: input.description ?? "",
          caId: input.caId,
          defaults: input.defaults ?? {},
          policy: input.policy,
          webhookUrl: input.webhookUrl ?? null,
          enrollment: input.enrollment ?? {},
          webhookSecret: webhookSecret ? sealWebhookSecret(args.ctx.kek, id, webhookSecret) : null,
        })
        .returning();
      if (!row) throw new Error("profile insert returned no row");
      const target = {
        principal: args.principal,
        targetType: "profile",
        targetId: row.id,
      } as const;
      await audit({
        ...target,
        action: "profile.created",
        details: { slug: row.slug, caId: row.caId },
      });
      if (webhookSecret) await audit({ ...target, action: "profile.webhook_secret_generated" });
      return row;
    });
    return {
      ...toProfileView(row, args.ctx.publicUrl),
      ...(webhookSecret ? { webhookSecret } : {}),
    };
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`A profile with slug '${input.slug}' already exists`);
    throw error;
  }
}

export async function listProfiles(args: Args): Promise<ProfileView[]> {
  requireScope(args.principal, "profiles:manage");
  const rows = await args.ctx.db
    .select()
    .from(certificateProfiles)
    .orderBy(asc(certificateProfiles.createdAt), asc(certificateProfiles.id));
  return rows.map((row) => toProfileView(row, args.ctx.publicUrl));
}

export async function getProfile(args: Args & { profileId: string }): Promise<ProfileView> {
  requireScope(args.principal, "profiles:manage");
  return toProfileView(await findProfile(args.ctx.db, args.profileId), args.ctx.publicUrl);
}

export async function updateProfile(
  args: Args & { profileId: string; input: UpdateProfileInput },
): Promise<ProfileView> {
  requireScope(args.principal, "profiles:manage");
  const { input } = args;
  checkWebhookHost(args.ctx, input.webhookUrl);
  const profile = await findProfile(args.ctx.db, args.profileId);
  if (input.caId) await findCa(args.ctx.db, input.caId);
  // A webhook added where there was none gets a new secret, shown once; removing it drops both.
  const webhookSecret =
    input.webhookUrl && !profile.webhookSecret ? generateWebhookSecret() : undefined;
  try {
    const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
      const [row] = await tx
        .update(certificateProfiles)
        .set({
          slug: input.slug,
          description: input.description,
          caId: input.caId,
          defaults: input.defaults,
          policy: input.policy,
          webhookUrl: input.webhookUrl,
          enrollment: input.enrollment,
          webhookSecret:
            input.webhookUrl === null
              ? null
              : webhookSecret
                ? sealWebhookSecret(args.ctx.kek, profile.id, webhookSecret)
                : undefined,
        })
        .where(eq(certificateProfiles.id, profile.id))
        .returning();
      if (!row) throw new NotFoundError("Certificate profile", args.profileId);
      const target = {
        principal: args.principal,
        targetType: "profile",
        targetId: row.id,
      } as const;
      const changed = Object.keys(input).filter(
        (key) => input[key as keyof UpdateProfileInput] !== undefined,
      );
      await audit({ ...target, action: "profile.updated", details: { changed } });
      if (webhookSecret) await audit({ ...target, action: "profile.webhook_secret_generated" });
      return row;
    });
    return {
      ...toProfileView(row, args.ctx.publicUrl),
      ...(webhookSecret ? { webhookSecret } : {}),
    };
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`A profile with slug '${input.slug}' already exists`);
    throw error;
  }
}

export async function deleteProfile(args: Args & { profileId: string }): Promise<ProfileView> {
  requireScope(args.principal, "profiles:manage");
  const profile = await findProfile(args.ctx.db, args.profileId);
  try {
    await inAuditedTransaction(args.ctx, async (tx, audit) => {
      const deleted = await tx
        .delete(certificateProfiles)
        .where(eq(certificateProfiles.id, profile.id))
        .returning({ id: certificateProfiles.id });
      if (deleted.length === 0) throw new NotFoundError("Certificate profile", args.profileId);
      await audit({
        principal: args.principal,
        action: "profile.deleted",
        targetType: "profile",
        targetId: profile.id,
        details: { slug: profile.slug },
      });
    });
  } catch (error) {
    if (isForeignKeyViolation(error)) {
      throw new ConflictError(
        `Profile ${profile.id} has certificate requests and cannot be deleted; change its policy instead`,
      );
    }
    throw error;
  }
  return toProfileView(profile, args.ctx.publicUrl);
}
