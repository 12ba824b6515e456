import { ForbiddenError } from "../errors";
import type { Scope } from "./scopes";

/** Who is calling: the token that authenticated the request and what it may do. */
export interface Principal {
  tokenId: string;
  /** The token's name, for the audit log. */
  tokenName: string;
  scopes: readonly Scope[];
  /** Submissions per second this token may make; null for the service default. */
  rateLimitPerSecond?: number | null;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes("admin") || principal.scopes.includes(scope);
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!hasScope(principal, scope)) throw new ForbiddenError(scope);
}
