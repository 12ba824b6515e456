import {
  ALT_NAME_TYPES,
  EXTENDED_KEY_USAGES,
  KEY_ALGORITHMS,
  KEY_USAGES,
  SIGNATURE_ALGORITHMS,
} from "@certq/pki";
import { z } from "zod";
import { isoDateSchema } from "../subject-schema";

export const altNameSchema = z.strictObject({
  type: z.enum(ALT_NAME_TYPES),
  value: z.string().min(1).max(1_024),
});

/** The certificate attributes of seeds/004 (v3 issue-certificate), all optional here. */
const attributeFields = {
  commonName: z.string().min(1).max(100),
  ttl: z.string().min(1).max(32),
  keyUsages: z.array(z.enum(KEY_USAGES)).max(KEY_USAGES.length),
  extendedKeyUsages: z.array(z.enum(EXTENDED_KEY_USAGES)).max(EXTENDED_KEY_USAGES.length),
  notBefore: isoDateSchema,
  notAfter: isoDateSchema,
  altNames: z.array(altNameSchema).max(100),
  signatureAlgorithm: z.enum(SIGNATURE_ALGORITHMS),
  keyAlgorithm: z.enum(KEY_ALGORITHMS),
};
const optionalAttributes = z.object(attributeFields).partial().shape;

/** POST /api/v3/pki/certificates/issue-certificate: exactly seeds/004's body. */
export const issueCertificateV3InputSchema = z.strictObject({
  ...optionalAttributes,
  profileId: z.uuid(),
  ttl: attributeFields.ttl,
  signatureAlgorithm: attributeFields.signatureAlgorithm,
  keyAlgorithm: attributeFields.keyAlgorithm,
});

/**
 * POST /api/v1/cert-manager/certificates: seeds/004's fields at the top level (profile
 * defaults fill what is missing), or Infisical's `{profileId, csr?, attributes}` form.
 * With a CSR the names and the key come from the CSR.
 */
export const submitCertificateInputSchema = z
  .strictObject({
    ...optionalAttributes,
    profileId: z.uuid(),
    csr: z.string().min(1).max(16_384).optional(),
    attributes: z.strictObject(optionalAttributes).optional(),
    removeRootsFromChain: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.attributes) {
      for (const key of Object.keys(v.attributes)) {
        if (key in v && v[key as keyof typeof v] !== undefined && key !== "attributes") {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `give ${key} either at the top level or in attributes, not both`,
          });
        }
      }
    }
    if (v.csr) {
      const names = { ...v, ...v.attributes };
      for (const key of ["commonName", "altNames", "keyAlgorithm"] as const) {
        if (names[key] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${key} comes from the CSR; leave it out when sending a csr`,
          });
        }
      }
    }
  });

export type IssueCertificateV3Input = z.infer<typeof issueCertificateV3InputSchema>;
export type SubmitCertificateInput = z.infer<typeof submitCertificateInputSchema>;

/** seeds/001: the eight fields of a certificate request, nothing more. */
export const certificateRequestViewSchema = z.strictObject({
  status: z.enum(["pending", "issued", "failed"]),
  certificate: z.string().nullable(),
  certificateId: z.string().nullable(),
  privateKey: z.string().nullable(),
  serialNumber: z.string().nullable(),
  errorMessage: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CertificateRequestView = z.infer<typeof certificateRequestViewSchema>;

/** What the request row's params column holds: the resolved request, no secrets. */
export const requestParamsSchema = z.object({
  commonName: z.string().optional(),
  altNames: z.array(altNameSchema),
  keyAlgorithm: z.enum(KEY_ALGORITHMS),
  signatureAlgorithm: z.enum(SIGNATURE_ALGORITHMS),
  keyUsages: z.array(z.enum(KEY_USAGES)),
  extendedKeyUsages: z.array(z.enum(EXTENDED_KEY_USAGES)),
  /** Either fixed dates (ISO) or a ttl counted from the moment of signing. */
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
  ttlMs: z.number().int().positive().optional(),
});
export type RequestParams = z.infer<typeof requestParamsSchema>;
