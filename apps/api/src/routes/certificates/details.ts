import {
  certificateWithRenewalsSchema,
  getCertificateBundle,
  getCertificateDetails,
} from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";
import { serialNumberParams } from "./serial-param";

export const detailsRoute = createRoute({
  method: "get",
  path: "/api/v1/pki/certificates/{serialNumber}",
  tags: ["PKI Certificates"],
  summary: "Get a certificate's details",
  security: bearerAuth,
  middleware: [authorize("certificates:read")] as const,
  request: { params: serialNumberParams },
  responses: {
    200: jsonContent(z.object({ certificate: certificateWithRenewalsSchema }), "The certificate"),
    ...errorResponses,
  },
});

export const bundleRoute = createRoute({
  method: "get",
  path: "/api/v1/pki/certificates/{serialNumber}/certificate",
  tags: ["PKI Certificates"],
  summary: "Get a certificate and its chain (issuing CA first, root last)",
  security: bearerAuth,
  middleware: [authorize("certificates:read")] as const,
  request: { params: serialNumberParams },
  responses: {
    200: jsonContent(
      z.object({ certificate: z.string(), certificateChain: z.string(), serialNumber: z.string() }),
      "PEMs",
    ),
    ...errorResponses,
  },
});

export function registerCertificateDetails(app: OpenAPIHono<AppEnv>) {
  app.openapi(detailsRoute, async (c) => {
    const { serialNumber } = c.req.valid("param");
    const certificate = await getCertificateDetails({
      ctx: c.var.ctx,
      principal: c.var.principal,
      serialNumber,
    });
    return c.json({ certificate }, 200);
  });
  app.openapi(bundleRoute, async (c) => {
    const { serialNumber } = c.req.valid("param");
    return c.json(
      await getCertificateBundle({ ctx: c.var.ctx, principal: c.var.principal, serialNumber }),
      200,
    );
  });
}
