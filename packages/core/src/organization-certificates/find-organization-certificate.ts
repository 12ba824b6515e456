import { certificates, type Executor, uploadedCertificates } from "@certq/db";
import { asc, inArray } from "drizzle-orm";
import {
  fromOrganizationCertificateId,
  type OrganizationCertificateRecord,
} from "./organization-certificate";
import { OrganizationCertificateNotFoundError } from "./organization-certificate-errors";

/**
 * Looks UUIDs up in both tables. With `lock`, the rows are locked FOR UPDATE (in ID order, so
 * concurrent batches cannot deadlock) until the surrounding transaction ends.
 */
export async function findOrganizationCertificatesByUuid(
  db: Executor,
  uuids: string[],
  options: { lock?: boolean } = {},
): Promise<Map<string, OrganizationCertificateRecord>> {
  const found = new Map<string, OrganizationCertificateRecord>();
  if (uuids.length === 0) return found;
  const issuedQuery = db
    .select({
      id: certificates.id,
      name: certificates.name,
      createdAt: certificates.createdAt,
      notBefore: certificates.notBefore,
      notAfter: certificates.notAfter,
      certificate: certificates.certificate,
      active: certificates.active,
      status: certificates.status,
    })
    .from(certificates)
    .where(inArray(certificates.id, uuids))
    .orderBy(asc(certificates.id));
  const uploadedQuery = db
    .select({
      id: uploadedCertificates.id,
      name: uploadedCertificates.name,
      createdAt: uploadedCertificates.createdAt,
      notBefore: uploadedCertificates.notBefore,
      notAfter: uploadedCertificates.notAfter,
      certificate: uploadedCertificates.certificate,
      active: uploadedCertificates.active,
    })
    .from(uploadedCertificates)
    .where(inArray(uploadedCertificates.id, uuids))
    .orderBy(asc(uploadedCertificates.id));
  const [issued, uploaded] = options.lock
    ? [await issuedQuery.for("update"), await uploadedQuery.for("update")]
    : [await issuedQuery, await uploadedQuery];
  for (const row of uploaded) found.set(row.id, { ...row, source: "uploaded", revoked: false });
  // Both tables draw random UUIDs; were one ever in both, the CA's own record wins.
  for (const { status, ...row } of issued) {
    found.set(row.id, { ...row, source: "issued", revoked: status === "revoked" });
  }
  return found;
}

/** Resolves an organization certificate ID (`cert_…` or a UUID) in either table, or 404. */
export async function findOrganizationCertificate(
  db: Executor,
  certificateId: string,
  options: { field?: string; lock?: boolean } = {},
): Promise<OrganizationCertificateRecord> {
  const field = options.field ?? "certificate_id";
  const uuid = fromOrganizationCertificateId(certificateId);
  if (!uuid) throw new OrganizationCertificateNotFoundError(certificateId, field);
  const record = (await findOrganizationCertificatesByUuid(db, [uuid], options)).get(uuid);
  if (!record) throw new OrganizationCertificateNotFoundError(certificateId, field);
  return record;
}
