import { PkiError } from "@certq/pki";
import { ZodError } from "zod";
import { DomainError } from "../errors";

/** Errors that no retry can fix: the request itself, its profile or its CA is the problem. */
export function isPermanent(error: unknown): boolean {
  if (error instanceof DomainError) return error.permanent;
  return error instanceof PkiError || error instanceof ZodError;
}
