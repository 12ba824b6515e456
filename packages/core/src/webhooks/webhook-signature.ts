import { createHmac, timingSafeEqual } from "node:crypto";

/** The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const WEBHOOK_SIGNATURE_HEADER = "certq-signature";

export function signWebhook(secret: string, body: string, timestamp: number): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** What a receiver does: recompute and compare in constant time; rejects stale timestamps. */
export function verifyWebhook(args: {
  secret: string;
  body: string;
  header: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  const parts = Object.fromEntries(
    args.header.split(",").map((p) => p.split("=", 2) as [string, string]),
  );
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1) return false;
  if (Math.abs(args.nowSeconds - timestamp) > (args.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(
    signWebhook(args.secret, args.body, timestamp).split("v1=")[1] ?? "",
    "hex",
  );
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
