import { certificateAuthorities } from "@certq/db";
import { asc } from "drizzle-orm";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import type { CaView } from "./ca-schemas";
import { toCaView } from "./ca-view";
import { findCa } from "./find-ca";

interface ReadArgs {
  ctx: ServiceContext;
  principal: Principal;
}

export async function listCas(args: ReadArgs): Promise<CaView[]> {
  requireScope(args.principal, "cas:manage");
  const rows = await args.ctx.db
    .select()
    .from(certificateAuthorities)
    .orderBy(asc(certificateAuthorities.createdAt), asc(certificateAuthorities.id));
  return rows.map(toCaView);
}

export async function getCa(args: ReadArgs & { caId: string }): Promise<CaView> {
  requireScope(args.principal, "cas:manage");
  return toCaView(await findCa(args.ctx.db, args.caId));
}

/** A CA's certificate is public: served without a token so relying parties can fetch it. */
export async function getCaCertificate(args: { ctx: ServiceContext; caId: string }) {
  const ca = await findCa(args.ctx.db, args.caId);
  if (!ca.certificate || !ca.serialNumber) {
    throw new BadRequestError(`CA ${ca.id} has no certificate yet; import one first`, "caId");
  }
  return {
    certificate: ca.certificate,
    certificateChain: ca.certificateChain,
    serialNumber: ca.serialNumber,
  };
}

export async function getCaCsr(args: ReadArgs & { caId: string }): Promise<{ csr: string }> {
  requireScope(args.principal, "cas:manage");
  const ca = await findCa(args.ctx.db, args.caId);
  if (ca.type === "root") throw new BadRequestError("Root CA cannot generate CSR", "caId");
  if (!ca.csr) throw new BadRequestError(`CA ${ca.id} has no CSR`, "caId");
  return { csr: ca.csr };
}
