import { z } from "@hono/zod-openapi";

export const serialNumberParams = z.object({
  serialNumber: z
    .string()
    .max(128)
    .openapi({ description: "The serial number of the certificate" }),
});
