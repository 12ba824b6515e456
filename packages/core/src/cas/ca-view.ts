import type { CertificateAuthorityRow } from "@certq/db";
import type { SubjectInput } from "@certq/pki";
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
