import { caViewSchema, updateCa, updateCaInputSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";
import { caIdParams } from "./ca-id-param";

export const route = createRoute({
  method: "patch",
  path: "/api/v1/pki/ca/{caId}",
  tags: ["Certificate Authorities"],
  summary: "Enable or disable a CA",
  security: bearerAuth,
  middleware: [authorize("cas:manage")] as const,
  request: { params: caIdParams, body: jsonBody(updateCaInputSchema) },
  responses: {
    200: jsonContent(z.object({ certificateAuthority: caViewSchema }), "The updated CA"),
    ...errorResponses,
  },
});

export function registerUpdateCa(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    const ca = await updateCa({
      ctx: c.var.ctx,
      principal: c.var.principal,
      caId,
      input: c.req.valid("json"),
    });
    return c.json({ certificateAuthority: ca }, 200);
  });
}
