// SQLSTATE codes; drizzle wraps the driver error, so look at the cause too.
function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === "string" ? e.code : e.cause?.code;
  return typeof code === "string" ? code : undefined;
}

export const isUniqueViolation = (error: unknown) => sqlState(error) === "23505";
export const isForeignKeyViolation = (error: unknown) => sqlState(error) === "23503";
/** Class 22: Postgres refused a value (NUL byte, bad text): bad input, not a server fault. */
export const isDataException = (error: unknown) => sqlState(error)?.startsWith("22") ?? false;

/** The constraint (index) a violation names, e.g. which unique index refused a row. */
export function violatedConstraint(error: unknown): string | undefined {
  const e = error as { constraint_name?: unknown; cause?: { constraint_name?: unknown } };
  const name = typeof e.constraint_name === "string" ? e.constraint_name : e.cause?.constraint_name;
  return typeof name === "string" ? name : undefined;
}
