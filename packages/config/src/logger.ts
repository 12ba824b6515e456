import pino, { type Logger } from "pino";

export type { Logger };

/** Paths pino blanks out wherever they appear (one or two levels deep). */
const REDACT_PATHS = [
  "authorization",
  "req.headers.authorization",
  "headers.authorization",
  "token",
  "*.token",
  "adminToken",
  "*.adminToken",
  "privateKey",
  "*.privateKey",
  "*.*.privateKey",
  "privateKeyPkcs8",
  "*.privateKeyPkcs8",
  "kek",
  "*.kek",
  "kekBase64",
  "*.kekBase64",
  "kekPreviousBase64",
  "*.kekPreviousBase64",
];

const PRIVATE_KEY_MARKER = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** A last line of defence: any string that looks like a PEM private key is replaced. */
function scrubPrivateKeys(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    return PRIVATE_KEY_MARKER.test(value) ? "[REDACTED PRIVATE KEY]" : value;
  }
  if (depth > 4 || value === null || typeof value !== "object") return value;
  // Error's message and stack are not enumerable: copy them, or the log shows `{}`.
  if (value instanceof Error) {
    return scrubPrivateKeys(
      { type: value.name, message: value.message, stack: value.stack },
      depth + 1,
    );
  }
  if (Array.isArray(value)) return value.map((v) => scrubPrivateKeys(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubPrivateKeys(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level: string;
  name?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to inspect what was logged. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      name: options.name,
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      formatters: { log: (obj) => scrubPrivateKeys(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => scrubPrivateKeys(a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination,
  );
}
