import { openssl, scratchDir } from "@certq/core/testing";
import { KEY_ALGORITHMS, type KeyAlgorithm } from "@certq/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let s: Awaited<ReturnType<typeof scratchDir>>;
const cas: Record<
  "RSA" | "EC",
  { id: string; certificate: string; profileId: string; file: string }
> = {} as never;

beforeAll(async () => {
  h = await createHarness();
  s = await scratchDir();
  await h.startWorker(4);
  for (const [family, keyAlgorithm] of [
    ["RSA", "RSA_2048"],
    ["EC", "EC_secp384r1"],
  ] as const) {
    const ca = await createRootCa(h, keyAlgorithm);
    cas[family] = {
      ...ca,
      profileId: await createProfile(h, ca.id),
      file: await s.write(`${family}-root.pem`, ca.certificate),
    };
  }
});
afterAll(async () => {
  await h.close();
  await s.cleanup();
});

const SIGNATURE: Record<KeyAlgorithm, string> = {
  RSA_2048: "RSA-SHA256",
  RSA_3072: "RSA-SHA384",
  RSA_4096: "RSA-SHA512",
  EC_prime256v1: "ECDSA-SHA256",
  EC_secp384r1: "ECDSA-SHA384",
  EC_secp521r1: "ECDSA-SHA512",
};

describe.each(KEY_ALGORITHMS)("issuing a %s leaf", (keyAlgorithm) => {
  it("202, then issued; openssl verifies it, shows what was asked, and the key matches", async () => {
    const family = keyAlgorithm.startsWith("RSA") ? "RSA" : "EC";
    const ca = cas[family];
    const res = await submit(h, {
      profileId: ca.profileId,
      commonName: "app.example.test",
      ttl: "7d",
      keyAlgorithm,
      signatureAlgorithm: SIGNATURE[keyAlgorithm],
      keyUsages: ["digital_signature", "key_encipherment"],
      extendedKeyUsages: ["server_auth", "client_auth"],
      altNames: [
        { type: "dns_name", value: "app.example.test" },
        { type: "ip_address", value: "127.0.0.1" },
        { type: "ip_address", value: "::1" },
        { type: "email", value: "ops@example.test" },
        { type: "uri", value: "spiffe://example.test/app" },
      ],
    });
    expect(res.body).toEqual({
      certificate: null,
      certificateRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: "pending",
      message: expect.any(String),
    });
    const id = res.body.certificateRequestId;
    expect(res.headers.get("location")).toBe(
      `/api/v1/cert-manager/certificates/certificate-requests/${id}`,
    );
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);

    const request = await waitForRequest(h, id);
    expect(request.status, JSON.stringify(request)).toBe("issued");
    expect(request.serialNumber).toMatch(/^[0-9a-f]{40}$/);
    expect(request.errorMessage).toBeNull();

    const bundle = await h.request<{ certificate: string; certificateChain: string }>(
      "GET",
      `/api/v1/pki/certificates/${request.serialNumber}/certificate`,
    );
    expect(bundle.body.certificate).toBe(request.certificate);
    const leaf = await s.write(`${keyAlgorithm}.pem`, request.certificate ?? "");
    const chain = await s.write(`${keyAlgorithm}-chain.pem`, bundle.body.certificateChain);
    const verify = await openssl(["verify", "-CAfile", ca.file, "-untrusted", chain, leaf]);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);

    const text = (await openssl(["x509", "-in", leaf, "-noout", "-text"])).stdout;
    expect(text).toContain("DNS:app.example.test");
    expect(text).toContain("IP Address:127.0.0.1");
    expect(text).toContain("IP Address:0:0:0:0:0:0:0:1");
    expect(text).toContain("email:ops@example.test");
    expect(text).toContain("URI:spiffe://example.test/app");
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(
      /X509v3 Extended Key Usage: \s+TLS Web Server Authentication, TLS Web Client Authentication\n/,
    );
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain("X509v3 Authority Key Identifier");
    expect(text).toContain("X509v3 Subject Key Identifier");
    expect(text).toContain(
      `Signature Algorithm: ${family === "RSA" ? "sha" : "ecdsa-with-SHA"}${SIGNATURE[keyAlgorithm].slice(-3)}`,
    );

    const key = await h.request(
      "GET",
      `/api/v1/pki/certificates/${request.serialNumber}/private-key`,
      {
        headers: { accept: "application/x-pem-file" },
      },
    );
    expect(key.status, key.text).toBe(200);
    expect(key.headers.get("cache-control")).toBe("no-store");
    const keyFile = await s.write(`${keyAlgorithm}.key`, key.text);
    const fromCert = await openssl(["x509", "-in", leaf, "-noout", "-pubkey"]);
    const fromKey = await openssl(["pkey", "-in", keyFile, "-pubout"]);
    expect(fromKey.code, fromKey.stderr).toBe(0);
    expect(fromKey.stdout).toBe(fromCert.stdout);
    // The poll shows the same key to a token allowed to read keys.
    expect(request.privateKey).toBe(key.text);

    const details = await h.request<{ certificate: Record<string, unknown> }>(
      "GET",
      `/api/v1/pki/certificates/${request.serialNumber}`,
    );
    expect(details.status, details.text).toBe(200);
    expect(details.body.certificate).toMatchObject({
      id: request.certificateId,
      serialNumber: request.serialNumber,
      commonName: "app.example.test",
      keyAlgorithm,
      status: "active",
      caId: ca.id,
      profileId: ca.profileId,
      requestId: id,
    });
  });
});

describe("private keys and tokens", () => {
  it("poll shows privateKey only to tokens with certificates:read-private-key", async () => {
    const res = await submit(h, {
      profileId: cas.EC.profileId,
      commonName: "keys.example.test",
      keyAlgorithm: "EC_prime256v1",
    });
    const id = res.body.certificateRequestId;
    const reader = await h.token(["certificates:read"]);
    const withoutKey = await waitForRequest(h, id, reader);
    expect(withoutKey.status).toBe("issued");
    expect(withoutKey.privateKey).toBeNull();
    const keyReader = await h.token(["certificates:read", "certificates:read-private-key"]);
    const withKey = await waitForRequest(h, id, keyReader);
    expect(withKey.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const json = await h.request(
      "GET",
      `/api/v1/pki/certificates/${withKey.serialNumber}/private-key`,
      { token: keyReader },
    );
    expect(json.headers.get("content-type")).toContain("application/json");
    expect(json.body).toBe(withKey.privateKey);
    const denied = await h.request(
      "GET",
      `/api/v1/pki/certificates/${withKey.serialNumber}/private-key`,
      { token: reader },
    );
    expect(denied.status).toBe(403);
  });
});
