import { expect } from "vitest";
import type { Harness } from "./harness";

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

/** Waits on the job's completion event (not a timer), then reads the request. */
export async function waitForRequest(h: Harness, requestId: string, token?: string) {
  await h.issuance.waitForJob(requestId, 30_000);
  const res = await h.request<CertificateRequestBody>(
    "GET",
    `/api/v1/cert-manager/certificates/certificate-requests/${requestId}`,
    { token },
  );
  expect(res.status, res.text).toBe(200);
  return res.body;
}
