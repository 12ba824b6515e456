import { randomUUID } from "node:crypto";
import { type AuditLogRow, rawSql } from "@certq/db";
import {
  certificateTime,
  createCertificate,
  generateKeyPair,
  generateSerialNumber,
  parseCsr,
} from "@certq/pki";
import { type RawAuditRow, readRawAuditRow } from "../audit/audit-view";
import { streamAuditRows } from "../audit/record-audit";
import { assertCaCanSign } from "../cas/find-ca";
import { requestParamsSchema } from "../certificate-requests/request-schemas";
import { computeValidity } from "../certificate-requests/validity";
import { sealCertificateKey } from "../certificates/certificate-key";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import { assertNameConstraints, assertPolicy, profilePolicySchema } from "../policy";
import { isUuid } from "../uuid";
import type { KeySource } from "./key-pool";
import { createIssuanceLoader } from "./load-issuance";
import { createIssuanceRecorder } from "./record-issuance";

export type IssueOutcome =
  | {
      status: "issued";
      certificateId: string;
      serialNumber: string;
      keyAlgorithm: string;
      /** Time spent generating the key; 0 when the client sent a CSR. */
      keyGenerationMs: number;
      /** The profile has a webhook to tell. */
      webhook: boolean;
    }
  | { status: "skipped"; reason: "request-missing" | "not-pending" };

export interface Issuer {
  /**
   * Issues the certificate of one pending request. Safe to run any number of times: one
   * statement claims the request (only while pending) and inserts its certificate, so a
   * second run (stalled job, duplicate enqueue) changes nothing. Throws permanent
   * DomainErrors for requests that can never succeed.
   */
  issue(requestId: string): Promise<IssueOutcome>;
}

/**
 * The worker's issuing step. Each CA's prepared signer comes from the process's cache
 * (ServiceContext.signers); concurrent jobs load their requests (with profile and CA) and
 * store their certificates together.
 */
export function createIssuer(options: {
  ctx: ServiceContext;
  /** Where keys come from: a pre-generated pool, or (default) generated on the spot. */
  keySource?: KeySource;
}): Issuer {
  const { ctx } = options;
  const keySource = options.keySource ?? generateKeyPair;
  const recordIssuance = createIssuanceRecorder(ctx.db);
  const loadRequest = createIssuanceLoader(ctx.db);

  return {
    async issue(requestId) {
      if (!isUuid(requestId)) return { status: "skipped", reason: "request-missing" };
      const row = await loadRequest(requestId.toLowerCase());
      if (!row) return { status: "skipped", reason: "request-missing" };
      const { request, profile, ca } = row;
      if (request.status !== "pending") return { status: "skipped", reason: "not-pending" };

      const now = ctx.now();
      const params = requestParamsSchema.parse(request.params);
      assertCaCanSign(ca, now);
      const validity = computeValidity(params, ca, now);
      // The profile may have changed since submission: its current policy decides.
      assertPolicy(profilePolicySchema.parse(profile.policy), {
        commonName: params.commonName,
        altNames: params.altNames,
        keyAlgorithm: params.keyAlgorithm,
        signatureAlgorithm: params.signatureAlgorithm,
        keyUsages: params.keyUsages,
        extendedKeyUsages: params.extendedKeyUsages,
        ttlMs: validity.lifetimeMs,
      });
      const { signer, chainPem, nameConstraints } = ctx.signers.get(ca);
      assertNameConstraints(nameConstraints, params);

      let publicKeySpki: Buffer;
      let privateKeyPkcs8: Buffer | null = null;
      let keyGenerationMs = 0;
      if (request.kind === "sign-csr") {
        if (!request.csr) throw new BadRequestError("request has no CSR", "csr");
        publicKeySpki = (await parseCsr(request.csr)).publicKeySpki;
      } else {
        const started = performance.now();
        const keyPair = await keySource(params.keyAlgorithm);
        keyGenerationMs = performance.now() - started;
        publicKeySpki = keyPair.publicKeySpki;
        privateKeyPkcs8 = keyPair.privateKeyPkcs8;
      }

      const serialNumber = generateSerialNumber();
      const pem = await createCertificate({
        subject: { commonName: params.commonName },
        publicKeySpki,
        serialNumber,
        notBefore: validity.notBefore,
        notAfter: validity.notAfter,
        signatureAlgorithm: params.signatureAlgorithm,
        issuer: signer,
        keyUsages: params.keyUsages,
        extendedKeyUsages: params.extendedKeyUsages,
        altNames: params.altNames,
        crlDistributionPointUrl: `${ctx.publicUrl}/api/v1/pki/ca/${ca.id}/crl`,
        authorityInfoAccess: {
          caIssuersUrl: `${ctx.publicUrl}/api/v1/pki/ca/${ca.id}/certificate/der`,
          ocspUrl: `${ctx.publicUrl}/ocsp`,
        },
      });
      const certificateId = randomUUID();
      const audited = await recordIssuance({
        id: certificateId,
        requestId: request.id,
        caId: ca.id,
        profileId: profile.id,
        serialNumber,
        name: params.commonName ?? params.altNames[0]?.value ?? serialNumber,
        commonName: params.commonName ?? "",
        altNames: params.altNames,
        keyAlgorithm: params.keyAlgorithm,
        notBefore: certificateTime(validity.notBefore),
        notAfter: certificateTime(validity.notAfter),
        certificate: pem,
        certificateChain: chainPem,
        encryptedPrivateKey: privateKeyPkcs8
          ? sealCertificateKey(ctx.kek, certificateId, privateKeyPkcs8)
          : null,
      });
      if (!audited) return { status: "skipped", reason: "not-pending" };
      streamAuditRows(ctx, [audited]);
      ctx.log.info({ requestId: request.id, serialNumber }, "certificate issued");
      return {
        status: "issued",
        certificateId,
        serialNumber,
        keyAlgorithm: params.keyAlgorithm,
        keyGenerationMs,
        webhook: profile.webhookUrl !== null,
      };
    },
  };
}

/**
 * Ends a pending request as failed; a request already finished is left alone. One statement
 * fails it and writes its audit row (certificate_request.failed, by the system).
 */
export async function failRequest(args: {
  ctx: ServiceContext;
  requestId: string;
  errorMessage: string;
}): Promise<boolean> {
  const rows = await rawSql(args.ctx.db)<RawAuditRow[]>`
    with failed as (
      update certificate_requests
      set status = 'failed', error_message = ${args.errorMessage}, updated_at = now()
      where id = ${args.requestId} and status = 'pending'
      returning id, token_id, profile_id
    )
    insert into audit_log (action, target_type, target_id, outcome, details)
    select 'certificate_request.failed', 'certificate_request', failed.id::text, 'failure',
      jsonb_build_object('errorMessage', ${args.errorMessage}::text,
        'submittedBy', failed.token_id, 'profileId', failed.profile_id)
    from failed
    returning *`;
  const audited: AuditLogRow[] = rows.map(readRawAuditRow);
  streamAuditRows(args.ctx, audited);
  return audited.length > 0;
}
