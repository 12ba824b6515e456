import { getCertificatePrivateKey } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses } from "../openapi-shared";
import { serialNumberParams } from "./serial-param";

export const route = createRoute({
  method: "get",
  path: "/api/v1/pki/certificates/{serialNumber}/private-key",
  tags: ["PKI Certificates"],
  summary: "Get certificate private key",
  security: bearerAuth,
  middleware: [authorize("certificates:read-private-key")] as const,
  request: { params: serialNumberParams },
  responses: {
    200: {
      description:
        "The PEM as a JSON string; raw PEM for Accept: application/x-pem-file or text/plain",
      content: {
        "application/json": { schema: z.string() },
        "application/x-pem-file": { schema: z.string() },
      },
    },
    ...errorResponses,
  },
});

const wantsRawPem = (accept: string | undefined) =>
  !!accept &&
  /application\/x-pem-file|text\/plain/i.test(accept) &&
  !/application\/json/i.test(accept);

export function registerGetPrivateKey(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { serialNumber } = c.req.valid("param");
    const pem = await getCertificatePrivateKey({
      ctx: c.var.ctx,
      principal: c.var.principal,
      serialNumber,
    });
    c.header("Cache-Control", "no-store");
    if (wantsRawPem(c.req.header("accept"))) {
      const type = /x-pem-file/i.test(c.req.header("accept") ?? "")
        ? "application/x-pem-file"
        : "text/plain";
      return c.body(pem, 200, { "Content-Type": type });
    }
    return c.json(pem, 200);
  });
}
