import { getProfile, profileViewSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonContent } from "../openapi-shared";
import { profileIdParams } from "./profile-id-param";

export const route = createRoute({
  method: "get",
  path: "/api/v1/cert-manager/certificate-profiles/{profileId}",
  tags: ["Certificate Profiles"],
  summary: "Get a certificate profile",
  security: bearerAuth,
  middleware: [authorize("profiles:manage")] as const,
  request: { params: profileIdParams },
  responses: {
    200: jsonContent(z.object({ certificateProfile: profileViewSchema }), "The profile"),
    ...errorResponses,
  },
});

export function registerGetProfile(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const profile = await getProfile({ ctx: c.var.ctx, principal: c.var.principal, profileId });
    return c.json({ certificateProfile: profile }, 200);
  });
}
