import { z } from "@hono/zod-openapi";

export const profileIdParams = z.object({ profileId: z.string().max(64) });
