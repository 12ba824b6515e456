import { ConfigError } from "@certq/config";
import { DependencyUnreachableError, KeyRingMismatchError } from "@certq/core";

/**
 * Turns a start-up failure into one readable line and exit code 1: what an operator
 * can fix (a setting, an unreachable dependency, a missing KEK) gets its message alone.
 */
export function exitOnStartupError(error: unknown): never {
  if (
    error instanceof DependencyUnreachableError ||
    error instanceof ConfigError ||
    error instanceof KeyRingMismatchError
  ) {
    console.error(error.message);
  } else {
    console.error(`certq: failed to start: ${(error as Error).message ?? String(error)}`);
  }
  process.exit(1);
}
