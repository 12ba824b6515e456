import { randomUUID } from "node:crypto";
import {
  createIssuanceQueue,
  createRedis,
  createRequestAcceptor,
  findRequestJobId,
  type SubmitCertificateInput,
  submitCertificateRequest,
} from "@certq/core";
import { expect } from "vitest";
import { type Harness, TEST_REDIS } from "./harness";

export interface CertificateRequestBody {
  status: "pending" | "issued" | "failed";
  certificate: string | null;
  certificateId: string | null;
  privateKey: string | null;
  serialNumber: string | null;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A CA through the API; returns its ID and certificate PEM. */
export async function createRootCa(
  h: Harness,
  keyAlgorithm: string,
  commonName = `Root ${keyAlgorithm}`,
) {
  const res = await h.request<{ certificateAuthority: { id: string } }>("POST", "/api/v1/pki/ca", {
    body: { type: "root", commonName, keyAlgorithm },
  });
  expect(res.status, res.text).toBe(200);
  const id = res.body.certificateAuthority.id;
  const cert = await h.request<{ certificate: string }>("GET", `/api/v1/pki/ca/${id}/certificate`);
  return { id, certificate: cert.body.certificate };
}

/** A broad profile for tests: names under example.test and loopback, TLS usages. */
export const TEST_POLICY = {
  commonName: ["*.example.test", "localhost"],
  altNames: {
    dns_name: ["*.example.test", "localhost"],
    ip_address: ["127.0.0.0/8", "::1/128"],
    email: ["*@example.test"],
    uri: ["spiffe://example.test/*"],
  },
  extendedKeyUsages: { allowed: ["server_auth", "client_auth"], required: [] },
  maxTtl: "365d",
};

export async function createProfile(h: Harness, caId: string, extra: Record<string, unknown> = {}) {
  const res = await h.request<{ certificateProfile: { id: string } }>(
    "POST",
    "/api/v1/cert-manager/certificate-profiles",
    {
      body: {
        slug: `p-${Math.random().toString(36).slice(2, 10)}`,
        caId,
        defaults: { ttl: "30d" },
        policy: TEST_POLICY,
        ...extra,
      },
    },
  );
  expect(res.status, res.text).toBe(200);
  return res.body.certificateProfile.id;
}

/**
 * Narrows a profile's policy to the one name only.example.test, so requests already accepted
 * under it fail in the worker: a profile tightened while they wait.
 */
export async function restrictProfile(h: Harness, profileId: string) {
  const res = await h.request("PATCH", `/api/v1/cert-manager/certificate-profiles/${profileId}`, {
    body: { policy: { ...TEST_POLICY, commonName: ["only.example.test"] } },
  });
  expect(res.status, res.text).toBe(200);
}

/** Submits through the asynchronous endpoint and expects a 202. */
export async function submit(
  h: Harness,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const res = await h.request<{
    certificateRequestId: string;
    status: string;
    certificate: null;
    message: string;
  }>("POST", "/api/v1/cert-manager/certificates", { body, headers });
  expect(res.status, res.text).toBe(202);
  return res;
}

/** Waits (bounded) on the completion event of the job carrying a request, not on a timer. */
export async function waitForRequestJob(h: Harness, requestId: string, timeoutMs = 30_000) {
  const jobId = await findRequestJobId(h.ctx.db, requestId);
  if (jobId) await h.issuance.waitForJob(jobId, timeoutMs);
}

/**
 * Submits a request whose job goes to a queue no worker reads, then removes it: stored as
 * pending, as if its job had been lost (Redis flushed), or held back for the test to add.
 */
export async function submitWithoutJob(h: Harness, input: SubmitCertificateInput) {
  const redis = createRedis(TEST_REDIS, "producer");
  const elsewhere = createIssuanceQueue({
    connection: redis,
    prefix: `{held-${randomUUID()}}`,
    attempts: 1,
  });
  try {
    const accept = createRequestAcceptor({ db: h.ctx.db, queue: elsewhere, log: h.ctx.log });
    return await submitCertificateRequest({
      ctx: { ...h.ctx, issuance: { ...h.issuance, accept } },
      // The harness's admin token: requests record which token submitted them.
      principal: {
        tokenId: (await h.db.db.query.accessTokens.findFirst())?.id ?? "",
        tokenName: "admin",
        scopes: ["admin"],
      },
      input,
    });
  } finally {
    await elsewhere.obliterate({ force: true });
    await elsewhere.close();
    redis.disconnect();
  }
}

/** Waits on the job's completion event (not a timer), then reads the request. */
export async function waitForRequest(h: Harness, requestId: string, token?: string) {
  await waitForRequestJob(h, requestId);
  const res = await h.request<CertificateRequestBody>(
    "GET",
    `/api/v1/cert-manager/certificates/certificate-requests/${requestId}`,
    { token },
  );
  expect(res.status, res.text).toBe(200);
  return res.body;
}
