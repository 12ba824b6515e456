import { createToken, createTokenInputSchema, tokenViewSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "post",
  path: "/api/v1/tokens",
  tags: ["Access Tokens"],
  summary: "Create an access token; its value is shown once",
  security: bearerAuth,
  middleware: [authorize("tokens:manage")] as const,
  request: { body: jsonBody(createTokenInputSchema) },
  responses: {
    201: jsonContent(
      z.object({ token: tokenViewSchema, value: z.string() }),
      "The token and its value (store it now: it is never shown again)",
    ),
    ...errorResponses,
  },
});

export function registerCreateToken(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const created = await createToken({
      ctx: c.var.ctx,
      principal: c.var.principal,
      input: c.req.valid("json"),
    });
    c.header("Cache-Control", "no-store");
    return c.json(created, 201);
  });
}
