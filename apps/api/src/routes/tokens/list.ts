import { listTokens, tokenViewSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/tokens",
  tags: ["Access Tokens"],
  summary: "List access tokens (never their values)",
  security: bearerAuth,
  middleware: [authorize("tokens:manage")] as const,
  responses: {
    200: jsonContent(z.object({ tokens: z.array(tokenViewSchema) }), "All tokens"),
    ...errorResponses,
  },
});

export function registerListTokens(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const tokens = await listTokens({ ctx: c.var.ctx, principal: c.var.principal });
    return c.json({ tokens }, 200);
  });
}
