import { CA_KEY_STORAGES, CA_STATUSES, CA_TYPES } from "@certq/db";
import { KEY_ALGORITHMS } from "@certq/pki";
import { z } from "zod";
import { isoDateSchema, subjectFieldsSchema } from "../subject-schema";
import { nameConstraintsInputSchema, nameConstraintsViewSchema } from "./name-constraints-schema";

export const maxPathLengthSchema = z.number().int().min(-1).max(16);

export const createCaInputSchema = z
  .strictObject({
    type: z.enum(CA_TYPES),
    ...subjectFieldsSchema,
    notBefore: isoDateSchema.optional(),
    notAfter: isoDateSchema.optional(),
    maxPathLength: maxPathLengthSchema.default(-1),
    keyAlgorithm: z.enum(KEY_ALGORITHMS).default("RSA_2048"),
    /** Root: in its certificate. Intermediate: kept for sign-intermediate to sign with. */
    nameConstraints: nameConstraintsInputSchema.optional(),
    /** "hsm": the key pair is generated in the PKCS#11 token and never leaves it. */
    keyStorage: z.enum(CA_KEY_STORAGES).default("database"),
  })
  .refine((v) => !v.notBefore || !v.notAfter || v.notAfter > v.notBefore, {
    path: ["notAfter"],
    message: "notAfter must be after notBefore",
  });
export type CreateCaInput = z.infer<typeof createCaInputSchema>;

export const updateCaInputSchema = z.strictObject({
  status: z.enum(["active", "disabled"]),
});
export type UpdateCaInput = z.infer<typeof updateCaInputSchema>;

const pemSchema = z.string().min(1).max(65_536);

export const importCaCertificateInputSchema = z.strictObject({
  certificate: pemSchema,
  certificateChain: pemSchema,
});
export type ImportCaCertificateInput = z.infer<typeof importCaCertificateInputSchema>;

export const signIntermediateInputSchema = z
  .strictObject({
    csr: z.string().min(1).max(16_384),
    notBefore: isoDateSchema.optional(),
    notAfter: isoDateSchema,
    maxPathLength: maxPathLengthSchema.optional(),
    /** Absent: those the intermediate (ours) was created with, if any; null: none. */
    nameConstraints: nameConstraintsInputSchema.nullable().optional(),
  })
  .refine((v) => !v.notBefore || v.notAfter > v.notBefore, {
    path: ["notAfter"],
    message: "notAfter must be after notBefore",
  });
export type SignIntermediateInput = z.infer<typeof signIntermediateInputSchema>;

export const caViewSchema = z.object({
  id: z.uuid(),
  type: z.enum(CA_TYPES),
  status: z.enum(CA_STATUSES),
  commonName: z.string(),
  organization: z.string(),
  ou: z.string(),
  country: z.string(),
  province: z.string(),
  locality: z.string(),
  keyAlgorithm: z.enum(KEY_ALGORITHMS),
  keyStorage: z.enum(CA_KEY_STORAGES),
  maxPathLength: z.number().int(),
  notBefore: z.string().nullable(),
  notAfter: z.string().nullable(),
  serialNumber: z.string().nullable(),
  /** From the CA's certificate; for an intermediate awaiting one, those it asked for. */
  nameConstraints: nameConstraintsViewSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CaView = z.infer<typeof caViewSchema>;
