import type { ServiceContext } from "../context";
import type { AcmeReply } from "./acme-context";
import { findAcmeProfile } from "./acme-profile";

/** RFC 8555 7.1.1 (and RFC 9773's renewalInfo): the directory of one profile. */
export async function getAcmeDirectory(args: {
  ctx: ServiceContext;
  profileId: string;
}): Promise<AcmeReply> {
  const { urls, acme } = await findAcmeProfile(args.ctx, args.profileId);
  return {
    status: 200,
    body: {
      newNonce: urls.newNonce,
      newAccount: urls.newAccount,
      newOrder: urls.newOrder,
      revokeCert: urls.revokeCert,
      keyChange: urls.keyChange,
      renewalInfo: urls.renewalInfo,
      meta: {
        externalAccountRequired: acme.requireEab,
        website: args.ctx.publicUrl,
      },
    },
  };
}

/** Checks the directory exists; the route then answers with a fresh Replay-Nonce. */
export async function checkAcmeDirectory(args: { ctx: ServiceContext; profileId: string }) {
  await findAcmeProfile(args.ctx, args.profileId);
}
