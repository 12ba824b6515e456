import { caViewSchema, importCaCertificate, importCaCertificateInputSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";
import { caIdParams } from "./ca-id-param";

export const route = createRoute({
  method: "post",
  path: "/api/v1/pki/ca/{caId}/import-certificate",
  tags: ["Certificate Authorities"],
  summary: "Import a signed certificate for an intermediate CA, activating it",
  security: bearerAuth,
  middleware: [authorize("cas:manage")] as const,
  request: { params: caIdParams, body: jsonBody(importCaCertificateInputSchema) },
  responses: {
    200: jsonContent(
      z.object({ message: z.string(), caId: z.string(), certificateAuthority: caViewSchema }),
      "The activated CA",
    ),
    ...errorResponses,
  },
});

export function registerImportCaCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    const ca = await importCaCertificate({
      ctx: c.var.ctx,
      principal: c.var.principal,
      caId,
      input: c.req.valid("json"),
    });
    return c.json(
      { message: "Successfully imported certificate to CA", caId: ca.id, certificateAuthority: ca },
      200,
    );
  });
}
