import {
  BadRequestError,
  getRequestOutcome,
  issueCertificateV3InputSchema,
  issuedCertificateSchema,
  submitCertificateRequest,
} from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { pollLocation, RETRY_AFTER_SECONDS } from "../certificate-requests/poll-location";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "post",
  path: "/api/v3/pki/certificates/issue-certificate",
  tags: ["PKI Certificates"],
  summary: "Issue Certificate: submits through the queue and waits (bounded) for the worker",
  security: bearerAuth,
  middleware: [authorize("certificates:issue")] as const,
  request: { body: jsonBody(issueCertificateV3InputSchema) },
  responses: {
    200: jsonContent(
      issuedCertificateSchema,
      "Issued; privateKey only with certificates:read-private-key",
    ),
    202: jsonContent(
      z.object({ certificateRequestId: z.uuid(), status: z.literal("pending") }),
      "Still pending when the wait ended; poll the Location",
    ),
    ...errorResponses,
  },
});

export function registerIssueCertificateV3(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { ctx, principal, issuance, syncWaitMs } = c.var;
    const { requestId, jobId } = await submitCertificateRequest({
      ctx,
      principal,
      input: c.req.valid("json"),
    });
    await issuance.waitForJob(jobId, syncWaitMs);
    const outcome = await getRequestOutcome({ ctx, principal, requestId });
    if (outcome.status === "issued") {
      if (outcome.certificate.privateKey) c.header("Cache-Control", "no-store");
      return c.json(outcome.certificate, 200);
    }
    // A request that ended failed answers as any refused request: 400 with its errorMessage.
    if (outcome.status === "failed") throw new BadRequestError(outcome.errorMessage);
    c.header("Location", pollLocation(requestId));
    c.header("Retry-After", RETRY_AFTER_SECONDS);
    return c.json({ certificateRequestId: requestId, status: "pending" as const }, 202);
  });
}
