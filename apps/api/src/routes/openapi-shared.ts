import { z } from "@hono/zod-openapi";

const errorSchema = (status: number) =>
  z
    .object({
      reqId: z.string(),
      statusCode: z.literal(status),
      message: status === 422 ? z.unknown() : z.string(),
      error: z.string(),
      details: z.unknown().optional(),
    })
    .openapi(`Error${status}`);

export const errorResponse = (status: number, description: string) => ({
  description,
  content: { "application/json": { schema: errorSchema(status) } },
});

/** Error responses every authenticated route may answer, spread into each route. */
export const errorResponses = {
  400: errorResponse(400, "Bad request"),
  401: errorResponse(401, "Missing or invalid token"),
  403: errorResponse(403, "The token lacks the scope"),
  404: errorResponse(404, "Not found"),
  422: errorResponse(422, "Validation failure; message lists the issues by field"),
  500: errorResponse(500, "Internal error"),
  503: errorResponse(503, "A backing service is unavailable"),
};

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const bearerAuth = [{ bearerAuth: [] }];
