import { caViewSchema, createCa, createCaInputSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "post",
  path: "/api/v1/pki/ca",
  tags: ["Certificate Authorities"],
  summary: "Create a root (self-signed, active) or intermediate (pending-certificate) CA",
  security: bearerAuth,
  middleware: [authorize("cas:manage")] as const,
  request: { body: jsonBody(createCaInputSchema) },
  responses: {
    200: jsonContent(z.object({ certificateAuthority: caViewSchema }), "The new CA"),
    ...errorResponses,
  },
});

export function registerCreateCa(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const ca = await createCa({
      ctx: c.var.ctx,
      principal: c.var.principal,
      input: c.req.valid("json"),
    });
    return c.json({ certificateAuthority: ca }, 200);
  });
}
