import { deleteToken, tokenViewSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "delete",
  path: "/api/v1/tokens/{tokenId}",
  tags: ["Access Tokens"],
  summary: "Delete (revoke) an access token",
  security: bearerAuth,
  middleware: [authorize("tokens:manage")] as const,
  request: { params: z.object({ tokenId: z.uuid() }) },
  responses: {
    200: jsonContent(z.object({ token: tokenViewSchema }), "The deleted token"),
    ...errorResponses,
  },
});

export function registerDeleteToken(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { tokenId } = c.req.valid("param");
    const token = await deleteToken({ ctx: c.var.ctx, principal: c.var.principal, tokenId });
    return c.json({ token }, 200);
  });
}
