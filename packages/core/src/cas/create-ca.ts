import { randomUUID } from "node:crypto";
import { certificateAuthorities } from "@certq/db";
import {
  createCertificate,
  createCsr,
  defaultSignatureAlgorithm,
  type ExternalSigningKey,
  generateKeyPair,
  generateSerialNumber,
  type KeyAlgorithm,
  parseCertificate,
  type SubjectInput,
} from "@certq/pki";
import { inAuditedTransaction } from "../audit/record-audit";
import { type Principal, requireScope } from "../auth/principal";
import { CLOCK_SKEW_MS } from "../certificate-requests/validity";
import type { ServiceContext } from "../context";
import { BadRequestError } from "../errors";
import { hsmKeyIdOf, sealCaKey } from "./ca-key";
import type { CaView, CreateCaInput } from "./ca-schemas";
import { toCaView } from "./ca-view";

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** The new CA's key: generated here and sealed for its row, or generated inside the token. */
interface NewCaKey {
  publicKeySpki: Buffer;
  /** What signs the root's certificate or the intermediate's CSR. */
  signing:
    | { privateKeyPkcs8: Buffer; keyAlgorithm: KeyAlgorithm }
    | { externalKey: ExternalSigningKey };
  columns: Pick<
    typeof certificateAuthorities.$inferInsert,
    "encryptedPrivateKey" | "keyStorage" | "hsmKeyId"
  >;
  /** Undoes what cannot be rolled back with the insert: the token's key pair. */
  discard(): void;
}

async function newCaKey(ctx: ServiceContext, id: string, input: CreateCaInput): Promise<NewCaKey> {
  const { keyAlgorithm } = input;
  if (input.keyStorage === "hsm") {
    const hsm = ctx.hsm;
    if (!hsm) {
      throw new BadRequestError(
        'keyStorage "hsm" needs a PKCS#11 token: set CERTQ_PKCS11_MODULE, CERTQ_PKCS11_TOKEN_LABEL (or CERTQ_PKCS11_SLOT) and CERTQ_PKCS11_PIN',
        "keyStorage",
      );
    }
    const keyId = hsmKeyIdOf(id);
    const { publicKeySpki } = await hsm.generateKeyPair({
      keyAlgorithm,
      keyId,
      label: `certq-ca-${id}`,
    });
    return {
      publicKeySpki,
      signing: { externalKey: hsm.signingKey(keyId, keyAlgorithm) },
      columns: { encryptedPrivateKey: null, keyStorage: "hsm", hsmKeyId: keyId.toString("hex") },
      discard: () => hsm.destroyKeyPair(keyId),
    };
  }
  const keyPair = await generateKeyPair(keyAlgorithm);
  return {
    publicKeySpki: keyPair.publicKeySpki,
    signing: { privateKeyPkcs8: keyPair.privateKeyPkcs8, keyAlgorithm },
    columns: {
      encryptedPrivateKey: sealCaKey(ctx.kek, id, keyPair.privateKeyPkcs8),
      keyStorage: "database",
      hsmKeyId: null,
    },
    discard: () => {},
  };
}

/** Creates a self-signed, active root, or an intermediate awaiting its certificate (with a CSR). */
export async function createCa(args: {
  ctx: ServiceContext;
  principal: Principal;
  input: CreateCaInput;
}): Promise<CaView> {
  requireScope(args.principal, "cas:manage");
  const { input } = args;
  const id = randomUUID();
  const subject: SubjectInput = {
    commonName: input.commonName,
    organization: input.organization,
    ou: input.ou,
    country: input.country,
    province: input.province,
    locality: input.locality,
  };
  const key = await newCaKey(args.ctx, id, input);
  try {
    return await storeCa(args.ctx, args.principal, id, input, subject, key);
  } catch (error) {
    try {
      key.discard();
    } catch (cleanup) {
      args.ctx.log.warn(
        { caId: id, err: (cleanup as Error).message },
        "HSM key of a failed CA left in the token",
      );
    }
    throw error;
  }
}

async function storeCa(
  ctx: ServiceContext,
  principal: Principal,
  id: string,
  input: CreateCaInput,
  subject: SubjectInput,
  key: NewCaKey,
): Promise<CaView> {
  const now = ctx.now();
  const signatureAlgorithm = defaultSignatureAlgorithm(input.keyAlgorithm);
  const ca = { maxPathLength: input.maxPathLength };
  // Backdated like leaves, so a leaf issued right away still starts inside its CA's validity.
  const notBefore = input.notBefore ?? new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter =
    input.notAfter ?? new Date(notBefore.getTime() + (input.type === "root" ? 10 : 5) * YEAR_MS);

  const common = {
    id,
    type: input.type,
    commonName: input.commonName,
    organization: input.organization ?? "",
    ou: input.ou ?? "",
    country: input.country ?? "",
    province: input.province ?? "",
    locality: input.locality ?? "",
    keyAlgorithm: input.keyAlgorithm,
    maxPathLength: input.maxPathLength,
    notBefore,
    notAfter,
    ...key.columns,
    nameConstraints: input.nameConstraints ?? null,
  };

  let values: typeof certificateAuthorities.$inferInsert;
  if (input.type === "root") {
    const certificate = await createCertificate({
      subject,
      publicKeySpki: key.publicKeySpki,
      serialNumber: generateSerialNumber(),
      notBefore,
      notAfter,
      signatureAlgorithm,
      issuer: { selfSigned: key.signing },
      ca,
      nameConstraints: input.nameConstraints,
    });
    const info = parseCertificate(certificate);
    values = {
      ...common,
      status: "active",
      certificate,
      serialNumber: info.serialNumber,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    };
  } else {
    const csr = await createCsr({
      subject,
      publicKeySpki: key.publicKeySpki,
      ...key.signing,
      keyAlgorithm: input.keyAlgorithm,
      signatureAlgorithm,
      ca,
    });
    values = { ...common, status: "pending-certificate", csr };
  }

  const row = await inAuditedTransaction(ctx, async (tx, audit) => {
    const [row] = await tx.insert(certificateAuthorities).values(values).returning();
    if (!row) throw new Error("CA insert returned no row");
    await audit({
      principal: principal,
      action: "ca.created",
      targetType: "ca",
      targetId: row.id,
      details: {
        type: row.type,
        commonName: row.commonName,
        keyAlgorithm: row.keyAlgorithm,
        keyStorage: row.keyStorage,
      },
    });
    return row;
  });
  ctx.log.info({ caId: row.id, type: row.type, keyStorage: row.keyStorage }, "CA created");
  return toCaView(row);
}
