import { z } from "@hono/zod-openapi";

export const caIdParams = z.object({
  caId: z
    .string()
    .max(64)
    .openapi({
      param: { name: "caId", in: "path" },
      example: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    }),
});
