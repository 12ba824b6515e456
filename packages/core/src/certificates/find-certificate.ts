import { type CertificateRow, certificates, type Executor } from "@certq/db";
import { eq } from "drizzle-orm";
import { NotFoundError } from "../errors";
import { isUuid } from "../uuid";

const SERIAL = /^[0-9a-f]{1,40}$/;

export async function findCertificateBySerial(
  db: Executor,
  serialNumber: string,
): Promise<CertificateRow> {
  const serial = serialNumber.toLowerCase().replaceAll(":", "");
  if (!SERIAL.test(serial)) throw new NotFoundError("Certificate", serialNumber);
  const [row] = await db
    .select()
    .from(certificates)
    .where(eq(certificates.serialNumber, serial))
    .limit(1);
  if (!row) throw new NotFoundError("Certificate", serialNumber);
  return row;
}

export async function findCertificateById(
  db: Executor,
  certificateId: string,
): Promise<CertificateRow> {
  if (!isUuid(certificateId)) throw new NotFoundError("Certificate", certificateId);
  const [row] = await db
    .select()
    .from(certificates)
    .where(eq(certificates.id, certificateId))
    .limit(1);
  if (!row) throw new NotFoundError("Certificate", certificateId);
  return row;
}
