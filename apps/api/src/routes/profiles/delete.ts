import { deleteProfile, profileViewSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponse, errorResponses, jsonContent } from "../openapi-shared";
import { profileIdParams } from "./profile-id-param";

export const route = createRoute({
  method: "delete",
  path: "/api/v1/cert-manager/certificate-profiles/{profileId}",
  tags: ["Certificate Profiles"],
  summary: "Delete a profile that has no certificate requests",
  security: bearerAuth,
  middleware: [authorize("profiles:manage")] as const,
  request: { params: profileIdParams },
  responses: {
    200: jsonContent(z.object({ certificateProfile: profileViewSchema }), "The deleted profile"),
    409: errorResponse(409, "Conflict"),
    ...errorResponses,
  },
});

export function registerDeleteProfile(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const profile = await deleteProfile({ ctx: c.var.ctx, principal: c.var.principal, profileId });
    return c.json({ certificateProfile: profile }, 200);
  });
}
