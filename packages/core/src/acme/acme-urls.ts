/** The URLs of one profile's ACME resources; `url` checks compare against these. */
export interface AcmeUrls {
  base: string;
  directory: string;
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert: string;
  keyChange: string;
  /** RFC 9773: GET {renewalInfo}/{certID}. */
  renewalInfo: string;
  account(id: string): string;
  accountOrders(id: string): string;
  order(id: string): string;
  finalize(id: string): string;
  authorization(id: string): string;
  challenge(id: string): string;
  certificate(id: string): string;
}

export const ACME_PATH_PREFIX = "/acme/profiles";

export function acmeUrls(publicUrl: string, profileId: string): AcmeUrls {
  const base = `${publicUrl}${ACME_PATH_PREFIX}/${profileId}`;
  return {
    base,
    directory: `${base}/directory`,
    newNonce: `${base}/new-nonce`,
    newAccount: `${base}/new-account`,
    newOrder: `${base}/new-order`,
    revokeCert: `${base}/revoke-cert`,
    keyChange: `${base}/key-change`,
    renewalInfo: `${base}/renewal-info`,
    account: (id) => `${base}/accounts/${id}`,
    accountOrders: (id) => `${base}/accounts/${id}/orders`,
    order: (id) => `${base}/orders/${id}`,
    finalize: (id) => `${base}/orders/${id}/finalize`,
    authorization: (id) => `${base}/authz/${id}`,
    challenge: (id) => `${base}/challenges/${id}`,
    certificate: (id) => `${base}/certificates/${id}`,
  };
}
