import {
  createAcmeEabKey,
  createEabKeyInputSchema,
  eabKeyViewSchema,
  listAcmeEabKeys,
} from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authorize } from "../../middleware/auth";
import { bearerAuth, errorResponses, jsonBody, jsonContent } from "../openapi-shared";
import { profileIdParams } from "./profile-id-param";

const PATH = "/api/v1/cert-manager/certificate-profiles/{profileId}/acme/eab-keys";

export const createRouteDef = createRoute({
  method: "post",
  path: PATH,
  tags: ["ACME"],
  summary: "Create an ACME external account binding key (the HMAC key is shown once)",
  security: bearerAuth,
  middleware: [authorize("profiles:manage")] as const,
  request: { params: profileIdParams, body: jsonBody(createEabKeyInputSchema) },
  responses: {
    201: jsonContent(z.object({ eabKey: eabKeyViewSchema }), "The new key, with its hmacKey"),
    ...errorResponses,
  },
});

export const listRouteDef = createRoute({
  method: "get",
  path: PATH,
  tags: ["ACME"],
  summary: "List a profile's ACME external account binding keys (without their HMAC keys)",
  security: bearerAuth,
  middleware: [authorize("profiles:manage")] as const,
  request: { params: profileIdParams },
  responses: {
    200: jsonContent(z.object({ eabKeys: z.array(eabKeyViewSchema) }), "The keys"),
    ...errorResponses,
  },
});

export function registerAcmeEabKeys(app: OpenAPIHono<AppEnv>) {
  app.openapi(createRouteDef, async (c) => {
    const eabKey = await createAcmeEabKey({
      ctx: c.var.ctx,
      principal: c.var.principal,
      profileId: c.req.valid("param").profileId,
      input: c.req.valid("json"),
    });
    return c.json({ eabKey }, 201);
  });
  app.openapi(listRouteDef, async (c) => {
    const eabKeys = await listAcmeEabKeys({
      ctx: c.var.ctx,
      principal: c.var.principal,
      profileId: c.req.valid("param").profileId,
    });
    return c.json({ eabKeys }, 200);
  });
}
