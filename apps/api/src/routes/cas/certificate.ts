import { getCaCertificate } from "@certq/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { errorResponses, jsonContent } from "../openapi-shared";
import { caIdParams } from "./ca-id-param";

export const route = createRoute({
  method: "get",
  path: "/api/v1/pki/ca/{caId}/certificate",
  tags: ["Certificate Authorities"],
  summary: "A CA's certificate and chain (public, no token)",
  request: { params: caIdParams },
  responses: {
    200: jsonContent(
      z.object({ certificate: z.string(), certificateChain: z.string(), serialNumber: z.string() }),
      "The CA certificate (PEM), its issuers above it (PEM, nearest first; empty for a root), and its serial",
    ),
    ...errorResponses,
  },
});

export function registerGetCaCertificate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { caId } = c.req.valid("param");
    return c.json(await getCaCertificate({ ctx: c.var.ctx, caId }), 200);
  });
}
