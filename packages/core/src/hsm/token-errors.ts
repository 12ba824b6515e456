import { HsmKeyError, HsmUnavailableError } from "../errors";

// Return values after which the token may work again: the session or the device went away,
// or it ran out of memory. Everything else (key missing, mechanism refused) is for good.
const TRANSIENT = new Set([
  "CKR_DEVICE_ERROR",
  "CKR_DEVICE_MEMORY",
  "CKR_DEVICE_REMOVED",
  "CKR_FUNCTION_FAILED",
  "CKR_GENERAL_ERROR",
  "CKR_HOST_MEMORY",
  "CKR_SESSION_CLOSED",
  "CKR_SESSION_COUNT",
  "CKR_SESSION_HANDLE_INVALID",
  "CKR_TOKEN_NOT_PRESENT",
  "CKR_TOKEN_NOT_RECOGNIZED",
  "CKR_USER_NOT_LOGGED_IN",
  "CKR_CRYPTOKI_NOT_INITIALIZED",
  "CKR_OPERATION_ACTIVE",
]);

/** The CKR_ name of a pkcs11js error ("CKR_PIN_INCORRECT"), or null for any other error. */
export function returnValueOf(error: unknown): string | null {
  const message = (error as Error)?.message;
  return typeof message === "string" && /^CKR_\w+$/.test(message) ? message : null;
}

/** Whether the session should be opened anew before the next operation. */
export function losesSession(error: unknown): boolean {
  const code = returnValueOf(error);
  return code !== null && TRANSIENT.has(code);
}

/** A token failure as a domain error: transient ones retry (503), the rest are final. */
export function tokenError(error: unknown, doing: string): Error {
  const code = returnValueOf(error) ?? (error as Error)?.message ?? String(error);
  const message = `the PKCS#11 token failed to ${doing}: ${code}`;
  return losesSession(error) ? new HsmUnavailableError(message) : new HsmKeyError(message);
}
