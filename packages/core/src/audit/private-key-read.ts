import type { Principal } from "../auth/principal";
import type { ServiceContext } from "../context";
import { recordAuditNow } from "./record-audit";

/**
 * Every read of a leaf's private key is one audit row, committed before the key is returned;
 * the row names the certificate and the endpoint, never the key.
 */
export async function recordPrivateKeyRead(
  args: { ctx: ServiceContext; principal: Principal },
  certificate: { id: string; serialNumber: string },
  via: "private-key" | "certificate-request" | "issued-certificate",
): Promise<void> {
  await recordAuditNow(args.ctx, {
    principal: args.principal,
    action: "certificate.private_key_read",
    targetType: "certificate",
    targetId: certificate.id,
    details: { serialNumber: certificate.serialNumber, via },
  });
}
