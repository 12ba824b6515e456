import { signIntermediate, signIntermediateInputSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";
import { caIdParams } from "./ca-id-param";

export const route = createRoute({
  method: "post",
  path: "/api/v1/pki/ca/{caId}/sign-intermediate",
  tags: ["Certificate Authorities"],
  summary: "Sign a subordinate CA's CSR with this CA",
  security: bearerAuth,
  middleware: [authorize("cas:manage")] as const,
  request: { params: caIdParams, body: jsonBody(signIntermediateInputSchema) },
  responses: {
    200: jsonContent(
      z.object({
        certificate: z.string(),
        issuingCaCertificate: z.string(),
        certificateChain: z.string(),
        serialNumber: z.string(),
      }),
      "The subordinate CA's certificate, with the chain to import alongside it",
    ),
    ...errorResponses,
  },
});

export function registerSignIntermediate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    const signed = await signIntermediate({
      ctx: c.var.ctx,
      principal: c.var.principal,
      caId,
      input: c.req.valid("json"),
    });
    return c.json(signed, 200);
  });
}
