import { listProfiles, profileViewSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";

export const route = createRoute({
  method: "get",
  path: "/api/v1/cert-manager/certificate-profiles",
  tags: ["Certificate Profiles"],
  summary: "List certificate profiles",
  security: bearerAuth,
  middleware: [authorize("profiles:manage")] as const,
  responses: {
    200: jsonContent(z.object({ certificateProfiles: z.array(profileViewSchema) }), "All profiles"),
    ...errorResponses,
  },
});

export function registerListProfiles(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const profiles = await listProfiles({ ctx: c.var.ctx, principal: c.var.principal });
    return c.json({ certificateProfiles: profiles }, 200);
  });
}
