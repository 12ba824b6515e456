import {
  type CertificateRequestRow,
  certificateRequests,
  certificates,
  type Database,
  type Executor,
} from "@certq/db";
import { eq, sql } from "drizzle-orm";
import { recordPrivateKeyRead } from "../audit/private-key-read";
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

/** A request with its certificate, for the poll; the sealed key only when asked for. */
export type RequestViewLookup = (
  requestId: string,
  withSealedKey: boolean,
) => Promise<RequestViewRow | undefined>;

type RequestViewRow = Awaited<ReturnType<ReturnType<typeof prepareRequestView>["execute"]>>[number];

function prepareRequestView(db: Database) {
  return db
    .select({
      status: certificateRequests.status,
      errorMessage: certificateRequests.errorMessage,
      createdAt: certificateRequests.createdAt,
      updatedAt: certificateRequests.updatedAt,
      certificateId: certificates.id,
      certificate: certificates.certificate,
      serialNumber: certificates.serialNumber,
      encryptedPrivateKey:
        sql`case when ${sql.placeholder("withSealedKey")}::boolean then ${certificates.encryptedPrivateKey} end`.mapWith(
          certificates.encryptedPrivateKey,
        ),
    })
    .from(certificateRequests)
    .leftJoin(certificates, eq(certificates.id, certificateRequests.certificateId))
    .where(eq(certificateRequests.id, sql.placeholder("requestId")))
    .prepare("request_view");
}

/**
 * Clients poll this: the request and its certificate in one prepared statement, built once
 * per process (ServiceContext.lookups), and the sealed key only for a token that may read it.
 */
export function createRequestViewLookup(db: Database): RequestViewLookup {
  const query = prepareRequestView(db);
  return async (requestId, withSealedKey) => {
    const [row] = await query.execute({ requestId, withSealedKey });
    return row;
  };
}

/** A request as seeds/001 shapes it; the private key only for tokens allowed to read keys. */
export async function getCertificateRequest(args: {
  ctx: ServiceContext;
  principal: Principal;
  requestId: string;
  /** False: never the key, whatever the token may read (callers that fetch it elsewhere). */
  withPrivateKey?: boolean;
}): Promise<CertificateRequestView> {
  requireScope(args.principal, "certificates:read");
  if (!isUuid(args.requestId)) throw new NotFoundError("Certificate request", args.requestId);
  const mayReadKey =
    args.withPrivateKey !== false && hasScope(args.principal, "certificates:read-private-key");
  const row = await args.ctx.lookups.requestView(args.requestId, mayReadKey);
  if (!row) throw new NotFoundError("Certificate request", args.requestId);
  const { certificateId } = row;
  const privateKey =
    certificateId && mayReadKey
      ? openCertificateKey(args.ctx.kek, {
          id: certificateId,
          encryptedPrivateKey: row.encryptedPrivateKey,
        })
      : null;
  if (privateKey && certificateId) {
    await recordPrivateKeyRead(
      args,
      { id: certificateId, serialNumber: row.serialNumber ?? "" },
      "certificate-request",
    );
  }
  return {
    status: row.status,
    certificate: row.certificate,
    certificateId,
    privateKey,
    serialNumber: row.serialNumber,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
