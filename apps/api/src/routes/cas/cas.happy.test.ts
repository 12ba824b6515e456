import { openssl, scratchDir } from "@certq/core/testing";
import { KEY_ALGORITHMS } from "@certq/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../../test/harness";

interface CaBody {
  certificateAuthority: { id: string; status: string; type: string; serialNumber: string | null };
}

let h: Harness;
let scratch: Awaited<ReturnType<typeof scratchDir>>;

beforeAll(async () => {
  h = await createHarness();
  scratch = await scratchDir();
});
afterAll(async () => {
  await h.close();
  await scratch.cleanup();
});

describe.each(KEY_ALGORITHMS)("root CA with %s", (keyAlgorithm) => {
  it("is self-signed, active, and carries the CA extensions openssl expects", async () => {
    const created = await h.request<CaBody>("POST", "/api/v1/pki/ca", {
      body: {
        type: "root",
        commonName: `Root ${keyAlgorithm}`,
        organization: "certq tests",
        country: "NL",
        maxPathLength: 1,
        keyAlgorithm,
      },
    });
    expect(created.status, created.text).toBe(200);
    const ca = created.body.certificateAuthority;
    expect(ca).toMatchObject({ type: "root", status: "active", keyAlgorithm, maxPathLength: 1 });
    expect(ca.serialNumber).toMatch(/^[0-9a-f]{40}$/);

    const cert = await h.request<{
      certificate: string;
      certificateChain: string;
      serialNumber: string;
    }>("GET", `/api/v1/pki/ca/${ca.id}/certificate`, { token: null });
    expect(cert.status, cert.text).toBe(200);
    expect(cert.body.serialNumber).toBe(ca.serialNumber);
    const file = await scratch.write(`root-${keyAlgorithm}.pem`, cert.body.certificate);

    const verify = await openssl(["verify", "-CAfile", file, file]);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);
    expect(verify.stdout).toContain(": OK");

    const text = (await openssl(["x509", "-in", file, "-noout", "-text"])).stdout;
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+[^\n]*Certificate Sign, CRL Sign/);
    expect(text).toContain("X509v3 Subject Key Identifier");
    expect(text).toContain(`CN = Root ${keyAlgorithm}`);
    const curves: Record<string, string> = {
      EC_prime256v1: "prime256v1",
      EC_secp384r1: "secp384r1",
      EC_secp521r1: "secp521r1",
    };
    const expectedKey = keyAlgorithm.startsWith("RSA_")
      ? `Public-Key: (${keyAlgorithm.slice(4)} bit)`
      : curves[keyAlgorithm];
    expect(text).toContain(expectedKey);
  });
});

describe("CA listing and status", () => {
  it("lists, gets, disables and re-enables a CA", async () => {
    const created = await h.request<CaBody>("POST", "/api/v1/pki/ca", {
      body: { type: "root", commonName: "Toggle Root", keyAlgorithm: "EC_prime256v1" },
    });
    const id = created.body.certificateAuthority.id;
    const list = await h.request<{ certificateAuthorities: { id: string }[] }>(
      "GET",
      "/api/v1/pki/ca",
    );
    expect(list.body.certificateAuthorities.map((c) => c.id)).toContain(id);

    const disabled = await h.request<CaBody>("PATCH", `/api/v1/pki/ca/${id}`, {
      body: { status: "disabled" },
    });
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.body.certificateAuthority.status).toBe("disabled");
    const got = await h.request<CaBody>("GET", `/api/v1/pki/ca/${id}`);
    expect(got.body.certificateAuthority.status).toBe("disabled");
    const enabled = await h.request<CaBody>("PATCH", `/api/v1/pki/ca/${id}`, {
      body: { status: "active" },
    });
    expect(enabled.body.certificateAuthority.status).toBe("active");
  });

  it("answers 404 in the error shape for an unknown CA", async () => {
    const res = await h.request("GET", "/api/v1/pki/ca/7b0c1d2e-0000-4000-8000-000000000000");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      reqId: res.headers.get("x-request-id"),
      statusCode: 404,
      message: expect.stringContaining("7b0c1d2e-0000-4000-8000-000000000000"),
      error: "NotFound",
    });
  });

  it("refuses a CSR for a root CA with Infisical's message", async () => {
    const created = await h.request<CaBody>("POST", "/api/v1/pki/ca", {
      body: { type: "root", commonName: "No CSR Root", keyAlgorithm: "EC_prime256v1" },
    });
    const res = await h.request<{ message: string }>(
      "GET",
      `/api/v1/pki/ca/${created.body.certificateAuthority.id}/csr`,
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Root CA cannot generate CSR");
  });
});
