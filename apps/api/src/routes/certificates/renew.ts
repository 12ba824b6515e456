import { renewCertificate } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { pollLocation, RETRY_AFTER_SECONDS } from "../certificate-requests/poll-location";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";
import { serialNumberParams } from "./serial-param";
import { submittedSchema } from "./submit";

export const route = createRoute({
  method: "post",
  path: "/api/v1/pki/certificates/{serialNumber}/renew",
  tags: ["PKI Certificates"],
  summary:
    "Renew a certificate: a new request with its names, usages and lifetime, through the queue; poll its Location",
  security: bearerAuth,
  middleware: [authorize("certificates:issue")] as const,
  request: {
    params: serialNumberParams,
    // Infisical's body; the chain is stored whole either way, so it changes nothing here.
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({ removeRootsFromChain: z.boolean().optional() }),
        },
      },
      required: false,
    },
  },
  responses: {
    202: jsonContent(
      submittedSchema.extend({ replacesCertificateId: z.uuid() }),
      "Accepted; the renewal is pending",
    ),
    ...errorResponses,
  },
});

export function registerRenewCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const renewal = await renewCertificate({
      ctx: c.var.ctx,
      principal: c.var.principal,
      serialNumber: c.req.valid("param").serialNumber,
    });
    c.header("Location", pollLocation(renewal.requestId));
    c.header("Retry-After", RETRY_AFTER_SECONDS);
    return c.json(
      {
        certificate: null,
        certificateRequestId: renewal.requestId,
        status: renewal.status,
        message: "Renewal accepted; poll its Location until it is issued or failed",
        replacesCertificateId: renewal.replacesCertificateId,
      },
      202,
    );
  });
}
