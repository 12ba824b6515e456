import { getCaCsr } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";
import { caIdParams } from "./ca-id-param";

export const route = createRoute({
  method: "get",
  path: "/api/v1/pki/ca/{caId}/csr",
  tags: ["Certificate Authorities"],
  summary: "Get CA CSR",
  security: bearerAuth,
  middleware: [authorize("cas:manage")] as const,
  request: { params: caIdParams },
  responses: {
    200: jsonContent(
      z.strictObject({
        csr: z.string().openapi({ description: "The generated CSR from the CA." }),
      }),
      "The intermediate CA's CSR",
    ),
    ...errorResponses,
  },
});

export function registerGetCaCsr(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    const { csr } = await getCaCsr({ ctx: c.var.ctx, principal: c.var.principal, caId });
    return c.json({ csr }, 200);
  });
}
