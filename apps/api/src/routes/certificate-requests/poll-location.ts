/** Where a client polls a request; also the Location of every 202. */
export const pollLocation = (requestId: string) =>
  `/api/v1/cert-manager/certificates/certificate-requests/${requestId}`;

/** Seconds a client should wait before polling again. */
export const RETRY_AFTER_SECONDS = "1";
