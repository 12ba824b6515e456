import { caViewSchema, listCas } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/pki/ca",
  tags: ["Certificate Authorities"],
  summary: "List CAs",
  security: bearerAuth,
  middleware: [authorize("cas:manage")] as const,
  responses: {
    200: jsonContent(z.object({ certificateAuthorities: z.array(caViewSchema) }), "All CAs"),
    ...errorResponses,
  },
});

export function registerListCas(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const cas = await listCas({ ctx: c.var.ctx, principal: c.var.principal });
    return c.json({ certificateAuthorities: cas }, 200);
  });
}
