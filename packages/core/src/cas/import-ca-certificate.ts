import { certificateAuthorities } from "@certq/db";
import {
  buildChain,
  type CertificateInfo,
  canonicalNameConstraints,
  joinPem,
  type NameConstraints,
  type NameConstraintsInput,
  parseCertificate,
  parseCsr,
  splitPemBundle,
} from "@certq/pki";
import { and, eq } from "drizzle-orm";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import type { CaView, ImportCaCertificateInput } from "./ca-schemas";
import { caSubject, toCaView } from "./ca-view";
import { findCa } from "./find-ca";

const SUBJECT_FIELDS = [
  "commonName",
  "organization",
  "ou",
  "country",
  "province",
  "locality",
] as const;

/**
 * PkiErrors (unparsable PEM, broken chain) surface as 400s through the one error mapper.
 * Activates an intermediate with a certificate signed elsewhere. Every check runs before
 * anything is written, and each failure has its own message.
 */
export async function importCaCertificate(args: {
  ctx: ServiceContext;
  principal: Principal;
  caId: string;
  input: ImportCaCertificateInput;
}): Promise<CaView> {
  requireScope(args.principal, "cas:manage");
  const { input } = args;
  const ca = await findCa(args.ctx.db, args.caId);
  if (ca.type !== "intermediate" || ca.status !== "pending-certificate" || !ca.csr) {
    throw new BadRequestError(
      `CA ${ca.id} is not an intermediate awaiting its certificate (type ${ca.type}, status ${ca.status})`,
      "caId",
    );
  }

  const [certificatePem, ...extra] = splitPemBundle(input.certificate);
  if (!certificatePem || extra.length > 0) {
    throw new BadRequestError("certificate must hold exactly one PEM certificate", "certificate");
  }
  const info = parseCertificate(certificatePem);
  const csr = await parseCsr(ca.csr);
  if (!info.publicKeySpki.equals(csr.publicKeySpki)) {
    throw new BadRequestError(
      "The certificate's public key is not this CA's key: it was not issued for this CA's CSR",
      "certificate",
    );
  }
  const expected = caSubject(ca);
  for (const field of SUBJECT_FIELDS) {
    if ((info.subject[field] ?? "") !== (expected[field] ?? "")) {
      throw new BadRequestError(
        `The certificate's subject (${info.subjectString}) does not match the CA's subject: ${field} differs`,
        "certificate",
      );
    }
  }
  if (!info.isCa) {
    throw new BadRequestError(
      "The certificate is not a CA certificate (BasicConstraints CA:TRUE is missing)",
      "certificate",
    );
  }
  assertRequestedNameConstraints(ca.nameConstraints as NameConstraintsInput | null, info);
  const now = args.ctx.now();
  if (info.notAfter <= now) {
    throw new BadRequestError(
      `The certificate expired on ${info.notAfter.toISOString()}`,
      "certificate",
    );
  }
  const chain = await buildChain(certificatePem, splitPemBundle(input.certificateChain));

  const row = await inAuditedTransaction(args.ctx, async (tx, audit) => {
    const [row] = await tx
      .update(certificateAuthorities)
      .set({
        status: "active",
        certificate: certificatePem,
        certificateChain: joinPem(chain),
        serialNumber: info.serialNumber,
        notBefore: info.notBefore,
        notAfter: info.notAfter,
        maxPathLength: info.maxPathLength,
      })
      .where(
        and(
          eq(certificateAuthorities.id, ca.id),
          eq(certificateAuthorities.status, "pending-certificate"),
        ),
      )
      .returning();
    if (!row) throw new BadRequestError("CA was activated concurrently", "caId");
    await audit({
      principal: args.principal,
      action: "ca.certificate_imported",
      targetType: "ca",
      targetId: row.id,
      details: { serialNumber: info.serialNumber, issuer: info.issuerString },
    });
    return row;
  });
  args.ctx.log.info({ caId: row.id }, "intermediate CA certificate imported");
  return toCaView(row);
}

function constraintsKey(constraints: NameConstraints): string {
  const side = (subtrees: NameConstraints["permitted"]) =>
    (Object.entries(subtrees) as [string, string[]][]).map(([type, values]) => [
      type,
      values.map((v) => v.toLowerCase()).sort(),
    ]);
  return JSON.stringify([side(constraints.permitted), side(constraints.excluded)]);
}

/** An intermediate created with nameConstraints takes only a certificate that carries them. */
function assertRequestedNameConstraints(
  requested: NameConstraintsInput | null,
  info: CertificateInfo,
): void {
  if (!requested) return;
  const wanted = canonicalNameConstraints(requested);
  if (!info.nameConstraints || constraintsKey(info.nameConstraints) !== constraintsKey(wanted)) {
    throw new BadRequestError(
      `The certificate does not carry the nameConstraints this CA was created with (${JSON.stringify(requested)}); sign its CSR with them (sign-intermediate does so by itself)`,
      "certificate",
    );
  }
}
