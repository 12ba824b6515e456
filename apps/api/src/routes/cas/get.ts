import { caViewSchema, getCa } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";
import { caIdParams } from "./ca-id-param";

export const route = createRoute({
  method: "get",
  path: "/api/v1/pki/ca/{caId}",
  tags: ["Certificate Authorities"],
  summary: "Get a CA",
  security: bearerAuth,
  middleware: [authorize("cas:manage")] as const,
  request: { params: caIdParams },
  responses: {
    200: jsonContent(z.object({ certificateAuthority: caViewSchema }), "The CA"),
    ...errorResponses,
  },
});

export function registerGetCa(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    const ca = await getCa({ ctx: c.var.ctx, principal: c.var.principal, caId });
    return c.json({ certificateAuthority: ca }, 200);
  });
}
