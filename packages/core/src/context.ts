import type { Logger } from "@certq/config";
import type { Database } from "@certq/db";
import type { KeyRing } from "@certq/pki";
import type { CaSignerCache } from "./cas/ca-signer-cache";
import type { RequestViewLookup } from "./certificate-requests/get-request";
import type { AcceptPendingRequest, Enqueue } from "./certificate-requests/submit-request";
import type { HsmToken } from "./hsm/pkcs11-token";
import type { Admit } from "./issuance/admission";
import type { OutboundClient } from "./outbound/outbound-client";
import type { IssuingProfileLookup } from "./profiles/find-issuing-profile";
import type { TokenLookup } from "./tokens/authenticate";
import type { TokenCache } from "./tokens/token-cache";

/** What every service verb needs, passed in by the process entry point or a test. */
export interface ServiceContext {
  db: Database;
  log: Logger;
  /** The key-encryption keys for private keys at rest: the current one seals, all open. */
  kek: KeyRing;
  now: () => Date;
  /** Where relying parties reach this service: CRL, caIssuers and OCSP URLs start here. */
  publicUrl: string;
  /** Recently authenticated tokens (CERTQ_TOKEN_CACHE_MS); none, every request queries. */
  tokenCache?: TokenCache;
  /** The API's hottest reads, shared by requests arriving together (one query for many). */
  lookups: SharedLookups;
  /** CAs prepared to sign (see createCaSignerCache). */
  signers: CaSignerCache;
  /** Requests leaving certq (webhooks) go through this: it refuses internal addresses. */
  outbound: OutboundClient;
  /** Where the current API request came from, for the audit log; absent outside one. */
  origin?: RequestOrigin;
  /** CERTQ_AUDIT_LOG_STREAM: each committed audit row is also a JSON log line. */
  streamAudit?: boolean;
  /** The PKCS#11 token for HSM CAs (CERTQ_PKCS11_*); none, such CAs cannot be made or used. */
  hsm?: HsmToken;
}

export interface RequestOrigin {
  requestId: string | null;
  sourceAddress: string | null;
}

export interface SharedLookups {
  token: TokenLookup;
  issuingProfile: IssuingProfileLookup;
  requestView: RequestViewLookup;
}

/**
 * What an API process adds for the verbs that queue work, so a route still passes only
 * `{ ctx, principal, input }`: the issuance client's store, admit and enqueue, and the CRL
 * rebuild a revocation schedules.
 */
export interface QueueingContext extends ServiceContext {
  issuance: {
    /** Backpressure: throws RateLimitedError when the queue is full or the token too fast. */
    admit: Admit;
    /** Stores the request and queues its job: the process's shared acceptor, which batches. */
    accept: AcceptPendingRequest;
    enqueue: Enqueue;
  };
  announceRevocation: AnnounceRevocation;
}

/**
 * After a revocation commits: drop the certificate's pre-signed OCSP answers in every API
 * process, queue its CA's CRL rebuild.
 */
export type AnnounceRevocation = (revoked: {
  caId: string;
  serialNumber: string;
}) => Promise<unknown>;
