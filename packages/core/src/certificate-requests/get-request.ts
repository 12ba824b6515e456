import {
  type CertificateRequestRow,
  certificateRequests,
  type Executor,
  rawSql,
  readTimestamp,
} from "@certq/db";
import { eq } from "drizzle-orm";
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

interface RequestViewRow {
  status: CertificateRequestRow["status"];
  error_message: string | null;
  created_at: string;
  updated_at: string;
  certificate_id: string | null;
  certificate: string | null;
  serial_number: string | null;
  encrypted_private_key: Buffer | null;
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
  // Clients poll this: the request and its certificate in one prepared statement, and the
  // sealed key only for a token that may read it.
  const [row] = await rawSql(args.ctx.db)<RequestViewRow[]>`
    select r.status, r.error_message, r.created_at, r.updated_at, c.id as certificate_id,
      c.certificate, c.serial_number,
      case when ${mayReadKey}::boolean then c.encrypted_private_key end as encrypted_private_key
    from certificate_requests r left join certificates c on c.id = r.certificate_id
    where r.id = ${args.requestId}`;
  if (!row) throw new NotFoundError("Certificate request", args.requestId);
  const certificateId = row.certificate_id;
  const privateKey =
    certificateId && mayReadKey
      ? openCertificateKey(args.ctx.kek, {
          id: certificateId,
          encryptedPrivateKey: row.encrypted_private_key,
        })
      : null;
  if (privateKey && certificateId) {
    await recordPrivateKeyRead(
      args,
      { id: certificateId, serialNumber: row.serial_number ?? "" },
      "certificate-request",
    );
  }
  return {
    status: row.status,
    certificate: row.certificate,
    certificateId,
    privateKey,
    serialNumber: row.serial_number,
    errorMessage: row.error_message,
    createdAt: readTimestamp(row.created_at).toISOString(),
    updatedAt: readTimestamp(row.updated_at).toISOString(),
  };
}
