import { z } from "zod";

// Control characters have no place in a certificate name and are a classic injection vector.
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/**
 * Free text we store (names, descriptions): no control characters (Postgres refuses NUL)
 * and no lone surrogates (Postgres refuses them in JSON).
 */
export function plainText(max: number) {
  return z
    .string()
    .max(max)
    .regex(NO_CONTROL_CHARACTERS, "must not contain control characters")
    .refine((v) => v.isWellFormed(), "must be well-formed Unicode");
}

/** A distinguished-name attribute value; bounds are RFC 5280's upper bounds. */
export function dnValue(max: number) {
  return z
    .string()
    .trim()
    .max(max)
    .regex(NO_CONTROL_CHARACTERS, "must not contain control characters")
    .refine((v) => v.isWellFormed(), "must be well-formed Unicode");
}

export const subjectFieldsSchema = {
  commonName: dnValue(64).min(1),
  organization: dnValue(64).optional(),
  ou: dnValue(64).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, "must be a two-letter ISO 3166 country code")
    .transform((c) => c.toUpperCase())
    .optional(),
  province: dnValue(128).optional(),
  locality: dnValue(128).optional(),
};

/** An ISO 8601 date or date-time, as Infisical accepts for notBefore/notAfter. */
export const isoDateSchema = z
  .string()
  .max(64)
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/,
    "must be an ISO 8601 date",
  )
  .refine((v) => !Number.isNaN(Date.parse(v)) && calendarDateExists(v), "must be a valid date")
  .transform((v) => new Date(v));

/** Date.parse rolls 2030-02-31 over to March; a real CA refuses it instead. */
function calendarDateExists(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split("-").map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}
