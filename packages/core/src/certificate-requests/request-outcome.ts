import type { Principal } from "../auth/principal";
import { getIssuedCertificate, type IssuedCertificate } from "../certificates/read-certificates";
import type { ServiceContext } from "../context";
import { getCertificateRequest } from "./get-request";

export type RequestOutcome =
  | { status: "pending" }
  | { status: "failed"; errorMessage: string }
  | { status: "issued"; certificate: IssuedCertificate };

/** Where a request stands, with the issued certificate in seeds/004's shape once it exists. */
export async function getRequestOutcome(args: {
  ctx: ServiceContext;
  principal: Principal;
  requestId: string;
}): Promise<RequestOutcome> {
  const request = await getCertificateRequest({ ...args, withPrivateKey: false });
  if (request.status === "failed") {
    return {
      status: "failed",
      errorMessage: request.errorMessage ?? "Certificate issuance failed",
    };
  }
  if (request.status === "issued" && request.certificateId) {
    const certificate = await getIssuedCertificate({
      ...args,
      certificateId: request.certificateId,
    });
    return { status: "issued", certificate };
  }
  return { status: "pending" };
}
