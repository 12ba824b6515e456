import {
  type CertificateRequestRow,
  certificateRequests,
  certificates,
  type Executor,
} from "@certq/db";
import { eq } from "drizzle-orm";
import { hasScope, type Principal, requireScope } from "../auth/principal";
import { openCertificateKey } from "../certificates/certificate-key";
import type { ServiceContext } from "../context";
import { NotFoundError } from "../errors";
import { isUuid } from "../uuid";
import type { CertificateRequestView } from "./request-schemas";

export async function findRequest(db: Executor, requestId: string): Promise<CertificateRequestRow> {
  if (!isUuid(requestId)) throw new NotFoundError("Certificate request", requestId);
  const [row] = await db
    .select()
    .from(certificateRequests)
    .where(eq(certificateRequests.id, requestId))
    .limit(1);
  if (!row) throw new NotFoundError("Certificate request", requestId);
  return row;
}

/** A request as seeds/001 shapes it; the private key only for tokens allowed to read keys. */
export async function getCertificateRequest(args: {
  ctx: ServiceContext;
  principal: Principal;
  requestId: string;
}): Promise<CertificateRequestView> {
  requireScope(args.principal, "certificates:read");
  const request = await findRequest(args.ctx.db, args.requestId);
  const [certificate] = request.certificateId
    ? await args.ctx.db
        .select()
        .from(certificates)
        .where(eq(certificates.id, request.certificateId))
        .limit(1)
    : [];
  const mayReadKey = hasScope(args.principal, "certificates:read-private-key");
  return {
    status: request.status,
    certificate: certificate?.certificate ?? null,
    certificateId: certificate?.id ?? null,
    privateKey: certificate && mayReadKey ? openCertificateKey(args.ctx.kek, certificate) : null,
    serialNumber: certificate?.serialNumber ?? null,
    errorMessage: request.errorMessage,
    createdAt: request.createdAt.toISOString(),
    updatedAt: request.updatedAt.toISOString(),
  };
}
