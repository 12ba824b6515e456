import type {
  AcmeAccountRow,
  AcmeAuthorizationRow,
  AcmeChallengeRow,
  AcmeOrderRow,
} from "@certq/db";
import type { AcmeUrls } from "./acme-urls";

/** RFC 8555 7.1.2 */
export function accountView(urls: AcmeUrls, account: AcmeAccountRow) {
  return {
    status: account.status,
    contact: account.contact,
    orders: urls.accountOrders(account.id),
    createdAt: account.createdAt.toISOString(),
  };
}

/** RFC 8555 7.1.3 */
export function orderView(urls: AcmeUrls, order: AcmeOrderRow, authorizationIds: string[]) {
  return {
    status: order.status,
    expires: order.expires.toISOString(),
    identifiers: order.identifiers,
    ...(order.notBefore ? { notBefore: order.notBefore.toISOString() } : {}),
    ...(order.notAfter ? { notAfter: order.notAfter.toISOString() } : {}),
    ...(order.error ? { error: order.error } : {}),
    ...(order.replaces ? { replaces: order.replaces } : {}),
    authorizations: authorizationIds.map((id) => urls.authorization(id)),
    finalize: urls.finalize(order.id),
    ...(order.certificateId && order.status === "valid"
      ? { certificate: urls.certificate(order.certificateId) }
      : {}),
  };
}

/** RFC 8555 8 */
export function challengeView(urls: AcmeUrls, challenge: AcmeChallengeRow) {
  return {
    type: challenge.type,
    url: urls.challenge(challenge.id),
    status: challenge.status,
    token: challenge.token,
    ...(challenge.validated ? { validated: challenge.validated.toISOString() } : {}),
    ...(challenge.error ? { error: challenge.error } : {}),
  };
}

/** RFC 8555 7.1.4 */
export function authorizationView(
  urls: AcmeUrls,
  authorization: AcmeAuthorizationRow,
  challenges: AcmeChallengeRow[],
) {
  // A valid authorization lists the challenge that validated it (RFC 8555 7.1.4).
  const shown =
    authorization.status === "valid"
      ? challenges.filter((challenge) => challenge.status === "valid")
      : challenges;
  return {
    identifier: authorization.identifier,
    status: authorization.status,
    expires: authorization.expires.toISOString(),
    challenges: shown.map((challenge) => challengeView(urls, challenge)),
    ...(authorization.wildcard ? { wildcard: true } : {}),
  };
}
