import Ajv from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";
import * as seed from "./seed-schemas";

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

function expectValid(schema: object, body: unknown) {
  const validate = ajv.compile(schema);
  const ok = validate(body);
  expect(ok, `${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`).toBe(true);
}

let h: Harness;
let profileId: string;
let caId: string;
let issued: { requestId: string; serialNumber: string; certificateId: string };

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker(2);
  caId = (await createRootCa(h, "EC_prime256v1")).id;
  profileId = await createProfile(h, caId);
  const res = await submit(h, { profileId, commonName: "seed.example.test" });
  const request = await waitForRequest(h, res.body.certificateRequestId);
  issued = {
    requestId: res.body.certificateRequestId,
    serialNumber: request.serialNumber ?? "",
    certificateId: request.certificateId ?? "",
  };
});
afterAll(() => h.close());

const UNKNOWN = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

describe("seeds/000 private key", () => {
  it("200, 401, 403, 404 match the seed", async () => {
    expectValid(
      seed.privateKey200,
      (await h.request("GET", `/api/v1/pki/certificates/${issued.serialNumber}/private-key`)).body,
    );
    expectValid(
      seed.errorSchema(401),
      (
        await h.request("GET", `/api/v1/pki/certificates/${issued.serialNumber}/private-key`, {
          token: null,
        })
      ).body,
    );
    const reader = await h.token(["certificates:read"]);
    expectValid(
      seed.errorSchema(403),
      (
        await h.request("GET", `/api/v1/pki/certificates/${issued.serialNumber}/private-key`, {
          token: reader,
        })
      ).body,
    );
    expectValid(
      seed.errorSchema(404),
      (await h.request("GET", "/api/v1/pki/certificates/00aa/private-key")).body,
    );
  });
});

describe("seeds/001 certificate request", () => {
  it("200 (issued, pending, failed), 404, 422 match the seed", async () => {
    expectValid(
      seed.certificateRequest200,
      (
        await h.request(
          "GET",
          `/api/v1/cert-manager/certificates/certificate-requests/${issued.requestId}`,
        )
      ).body,
    );
    const reader = await h.token(["certificates:read"]);
    expectValid(
      seed.certificateRequest200,
      (
        await h.request(
          "GET",
          `/api/v1/cert-manager/certificates/certificate-requests/${issued.requestId}`,
          { token: reader },
        )
      ).body,
    );
    expectValid(
      seed.errorSchema(404),
      (await h.request("GET", `/api/v1/cert-manager/certificates/certificate-requests/${UNKNOWN}`))
        .body,
    );
    expectValid(
      seed.errorSchema(422),
      (await h.request("GET", "/api/v1/cert-manager/certificates/certificate-requests/nope")).body,
    );
  });
});

describe("seeds/002 CA CSR", () => {
  it("200 and 400 match the seed", async () => {
    const inter = await h.request<{ certificateAuthority: { id: string } }>(
      "POST",
      "/api/v1/pki/ca",
      {
        body: {
          type: "intermediate",
          commonName: "Seed Intermediate",
          keyAlgorithm: "EC_prime256v1",
        },
      },
    );
    expectValid(
      seed.caCsr200,
      (await h.request("GET", `/api/v1/pki/ca/${inter.body.certificateAuthority.id}/csr`)).body,
    );
    expectValid(seed.errorSchema(400), (await h.request("GET", `/api/v1/pki/ca/${caId}/csr`)).body);
    expectValid(
      seed.errorSchema(404),
      (await h.request("GET", `/api/v1/pki/ca/${UNKNOWN}/csr`)).body,
    );
  });
});

describe("seeds/003 organization certificate", () => {
  it("with and without include[]=content, by cert_ ID and by UUID", async () => {
    const hex = issued.certificateId.replaceAll("-", "");
    const plain = await h.request<{ id: string; certificate_details: Record<string, unknown> }>(
      "GET",
      `/v1/organization/certificates/cert_${hex}`,
    );
    expectValid(seed.organizationCertificate200(false), plain.body);
    expect(plain.body.id).toBe(`cert_${hex}`);
    expect(plain.body.certificate_details.content).toBeUndefined();
    const withContent = await h.request<{
      certificate_details: { content: string; valid_at: number; expires_at: number };
    }>("GET", `/v1/organization/certificates/${issued.certificateId}?include[]=content`);
    expectValid(seed.organizationCertificate200(true), withContent.body);
    expect(withContent.body.certificate_details.content).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const lifetime =
      withContent.body.certificate_details.expires_at -
      withContent.body.certificate_details.valid_at;
    expect(lifetime).toBe(30 * 86_400 + 60);
    // seeds/003 is OpenAI's API: its errors come in OpenAI's envelope.
    expectValid(
      seed.openAiErrorSchema,
      (await h.request("GET", "/v1/organization/certificates/cert_abc")).body,
    );
  });
});

describe("seeds/004 issue certificate (v3)", () => {
  it("200 with exactly the seed's fields, chain issuing-CA-first and without the leaf; 422 and 400", async () => {
    const res = await h.request<Record<string, string>>(
      "POST",
      "/api/v3/pki/certificates/issue-certificate",
      {
        body: {
          profileId,
          commonName: "v3.example.test",
          ttl: "1d",
          signatureAlgorithm: "ECDSA-SHA256",
          keyAlgorithm: "EC_prime256v1",
        },
      },
    );
    expect(res.status, res.text).toBe(200);
    expectValid(seed.issueCertificate200, res.body);
    expect(Object.keys(res.body).sort()).toEqual([
      "certificate",
      "certificateChain",
      "certificateId",
      "issuingCaCertificate",
      "privateKey",
      "serialNumber",
    ]);
    expect(res.body.certificateChain).toContain(res.body.issuingCaCertificate?.trim());
    expect(res.body.certificateChain).not.toContain(res.body.certificate?.trim());

    const invalid = await h.request("POST", "/api/v3/pki/certificates/issue-certificate", {
      body: { profileId, commonName: "v3.example.test" },
    });
    expect(invalid.status).toBe(422);
    expectValid(seed.errorSchema(422), invalid.body);
    const refused = await h.request("POST", "/api/v3/pki/certificates/issue-certificate", {
      body: {
        profileId,
        commonName: "nope.invalid",
        ttl: "1d",
        signatureAlgorithm: "ECDSA-SHA256",
        keyAlgorithm: "EC_prime256v1",
      },
    });
    expect(refused.status).toBe(400);
    expectValid(seed.errorSchema(400), refused.body);
  });
});
