import type { Logger } from "@certq/config";
import type { Database } from "@certq/db";
import type { CaSignerCache } from "./cas/ca-signer-cache";
import type { HsmToken } from "./hsm/pkcs11-token";
import type { IssuingProfileLookup } from "./profiles/find-issuing-profile";
import type { TokenLookup } from "./tokens/authenticate";
import type { TokenCache } from "./tokens/token-cache";

/** What every service verb needs, passed in by the process entry point or a test. */
export interface ServiceContext {
  db: Database;
  log: Logger;
  /** The key-encryption key for private keys at rest (32 bytes). */
  kek: Buffer;
  now: () => Date;
  /** Where relying parties reach this service: CRL, caIssuers and OCSP URLs start here. */
  publicUrl: string;
  /** Recently authenticated tokens (CERTQ_TOKEN_CACHE_MS); none, every request queries. */
  tokenCache?: TokenCache;
  /** The API's hottest reads, shared by requests arriving together (one query for many). */
  lookups: SharedLookups;
  /** CAs prepared to sign (see createCaSignerCache). */
  signers: CaSignerCache;
  /** The PKCS#11 token for HSM CAs (CERTQ_PKCS11_*); none, such CAs cannot be made or used. */
  hsm?: HsmToken;
}

export interface SharedLookups {
  token: TokenLookup;
  issuingProfile: IssuingProfileLookup;
}
