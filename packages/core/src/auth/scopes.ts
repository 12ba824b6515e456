import { z } from "zod";

export const SCOPES = [
  "admin",
  "certificates:issue",
  "certificates:read",
  "certificates:read-private-key",
  "certificates:revoke",
  "cas:manage",
  "profiles:manage",
  "tokens:manage",
  "metrics:read",
  "audit:read",
] as const;
export const scopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof scopeSchema>;
