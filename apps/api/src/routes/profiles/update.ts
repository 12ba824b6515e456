import { profileViewSchema, updateProfile, updateProfileInputSchema } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import {
  bearerAuth,
  errorResponse,
  errorResponses,
  jsonBody,
  jsonContent,
} from "../openapi-shared";
import { profileIdParams } from "./profile-id-param";

export const route = createRoute({
  method: "patch",
  path: "/api/v1/cert-manager/certificate-profiles/{profileId}",
  tags: ["Certificate Profiles"],
  summary: "Change a certificate profile; pending requests are re-checked against it",
  security: bearerAuth,
  middleware: [authorize("profiles:manage")] as const,
  request: { params: profileIdParams, body: jsonBody(updateProfileInputSchema) },
  responses: {
    200: jsonContent(z.object({ certificateProfile: profileViewSchema }), "The updated profile"),
    409: errorResponse(409, "Conflict"),
    ...errorResponses,
  },
});

export function registerUpdateProfile(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    const profile = await updateProfile({
      ctx: c.var.ctx,
      principal: c.var.principal,
      profileId,
      input: c.req.valid("json"),
    });
    return c.json({ certificateProfile: profile }, 200);
  });
}
