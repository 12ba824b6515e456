import type { CertificateAuthorityRow } from "@certq/db";
import {
  canonicalNameConstraints,
  type NameConstraints,
  type NameConstraintsInput,
  readCertificateNameConstraints,
  type SubjectInput,
} from "@certq/pki";
import type { CaView } from "./ca-schemas";

export function toCaView(row: CertificateAuthorityRow): CaView {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    commonName: row.commonName,
    organization: row.organization,
    ou: row.ou,
    country: row.country,
    province: row.province,
    locality: row.locality,
    keyAlgorithm: row.keyAlgorithm as CaView["keyAlgorithm"],
    keyStorage: row.keyStorage,
    maxPathLength: row.maxPathLength,
    notBefore: row.notBefore?.toISOString() ?? null,
    notAfter: row.notAfter?.toISOString() ?? null,
    serialNumber: row.serialNumber,
    nameConstraints: caNameConstraints(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function caSubject(row: CertificateAuthorityRow): SubjectInput {
  return {
    commonName: row.commonName,
    organization: row.organization || undefined,
    ou: row.ou || undefined,
    country: row.country || undefined,
    province: row.province || undefined,
    locality: row.locality || undefined,
  };
}

/** The certificate's nameConstraints (so imported CAs show theirs), else those asked for. */
export function caNameConstraints(
  row: Pick<CertificateAuthorityRow, "certificate" | "nameConstraints">,
): NameConstraints | null {
  if (row.certificate) return readCertificateNameConstraints(row.certificate).nameConstraints;
  return row.nameConstraints
    ? canonicalNameConstraints(row.nameConstraints as NameConstraintsInput)
    : null;
}
