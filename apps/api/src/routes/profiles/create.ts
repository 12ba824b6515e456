import { createProfile, createProfileInputSchema, profileViewSchema } from "@certq/core";
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

export const route = createRoute({
  method: "post",
  path: "/api/v1/cert-manager/certificate-profiles",
  tags: ["Certificate Profiles"],
  summary: "Create a certificate profile: a CA, its policy and defaults",
  security: bearerAuth,
  middleware: [authorize("profiles:manage")] as const,
  request: { body: jsonBody(createProfileInputSchema) },
  responses: {
    200: jsonContent(z.object({ certificateProfile: profileViewSchema }), "The new profile"),
    409: errorResponse(409, "Conflict"),
    ...errorResponses,
  },
});

export function registerCreateProfile(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const profile = await createProfile({
      ctx: c.var.ctx,
      principal: c.var.principal,
      input: c.req.valid("json"),
    });
    return c.json({ certificateProfile: profile }, 200);
  });
}
