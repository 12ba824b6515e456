import { revokeCertificate, revokedSchema, revokeInputSchema } from "@certq/core";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { serialNumberParams } from "../certificates/serial-param";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "post",
  path: "/api/v1/pki/certificates/{serialNumber}/revoke",
  tags: ["PKI Certificates"],
  summary: "Revoke a certificate; its CA's CRL is rebuilt shortly after",
  security: bearerAuth,
  middleware: [authorize("certificates:revoke")] as const,
  request: { params: serialNumberParams, body: jsonBody(revokeInputSchema) },
  responses: {
    200: jsonContent(revokedSchema, "Revoked"),
    ...errorResponses,
  },
});

export function registerRevokeCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { serialNumber } = c.req.valid("param");
    const revoked = await revokeCertificate({
      ctx: c.var.ctx,
      principal: c.var.principal,
      serialNumber,
      input: c.req.valid("json"),
    });
    return c.json(revoked, 200);
  });
}
