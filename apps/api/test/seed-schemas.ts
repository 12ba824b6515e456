/**
 * JSON Schemas written from the seed documents in ../shared/seeds/, one per endpoint and
 * status. They are deliberately independent of our zod schemas.
 */
const str = { type: "string" };

export const errorSchema = (status: number) => ({
  type: "object",
  properties: {
    reqId: str,
    statusCode: { type: "number", enum: [status] },
    message: status === 422 ? {} : str,
    error: str,
    ...(status === 403 ? { details: {} } : {}),
  },
  required:
    status === 422 ? ["reqId", "statusCode", "error"] : ["reqId", "statusCode", "message", "error"],
  additionalProperties: false,
});

/** seeds/000: GET /api/v1/pki/certificates/{serialNumber}/private-key */
export const privateKey200 = { type: "string" };

/** seeds/001: GET /api/v1/cert-manager/certificates/certificate-requests/{requestId} */
export const certificateRequest200 = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["pending", "issued", "failed"] },
    certificate: { type: ["string", "null"] },
    certificateId: { type: ["string", "null"] },
    privateKey: { type: ["string", "null"] },
    serialNumber: { type: ["string", "null"] },
    errorMessage: { type: ["string", "null"] },
    createdAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
  },
  required: [
    "status",
    "certificate",
    "certificateId",
    "privateKey",
    "serialNumber",
    "errorMessage",
    "createdAt",
    "updatedAt",
  ],
  additionalProperties: false,
};

/** seeds/002: GET /api/v1/pki/ca/{caId}/csr */
export const caCsr200 = {
  type: "object",
  properties: { csr: str },
  required: ["csr"],
  additionalProperties: false,
};

/** seeds/003: GET /v1/organization/certificates/{certificate_id} */
export const organizationCertificate200 = (withContent: boolean) => ({
  type: "object",
  properties: {
    object: { type: "string", enum: ["certificate"] },
    id: str,
    name: str,
    created_at: { type: "integer" },
    certificate_details: {
      type: "object",
      properties: { valid_at: { type: "integer" }, expires_at: { type: "integer" }, content: str },
      required: withContent ? ["valid_at", "expires_at", "content"] : ["valid_at", "expires_at"],
      additionalProperties: false,
    },
  },
  required: ["object", "id", "name", "created_at", "certificate_details"],
  additionalProperties: false,
});

/** seeds/004: POST /api/v3/pki/certificates/issue-certificate */
export const issueCertificate200 = {
  type: "object",
  properties: {
    certificate: str,
    issuingCaCertificate: str,
    certificateChain: str,
    privateKey: str,
    serialNumber: str,
    certificateId: str,
  },
  required: [
    "certificate",
    "issuingCaCertificate",
    "certificateChain",
    "serialNumber",
    "certificateId",
  ],
  additionalProperties: false,
};

/** OpenAI's error envelope, for the organization certificates family (seeds/003). */
export const openAiErrorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        message: str,
        type: str,
        param: { type: ["string", "null"] },
        code: { type: ["string", "null"] },
      },
      required: ["message", "type", "param", "code"],
      additionalProperties: false,
    },
  },
  required: ["error"],
  additionalProperties: false,
};
