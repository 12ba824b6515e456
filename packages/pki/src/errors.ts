/**
 * Bad input to a PKI operation: an unparsable PEM, a CSR whose signature does not verify, an
 * unsupported key, an invalid name. `field` names the offending input when there is one, so
 * callers can report it as a validation error rather than a server fault.
 */
export class PkiError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "PkiError";
  }
}

/** Runs `fn`, turning any failure into a PkiError on `field` (keeping PkiError messages). */
export function asPkiError<T>(field: string, context: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toPkiError(field, context, error);
  }
}

export function toPkiError(field: string, context: string, error: unknown): PkiError {
  if (error instanceof PkiError && error.field === field) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new PkiError(`${context}: ${detail}`, field);
}
