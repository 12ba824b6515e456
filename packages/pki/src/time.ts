import { encodeElement, TAG } from "./der";
import { PkiError } from "./errors";

// X.509 Time cannot express years outside 0000..9999 and UTCTime starts in 1950.
const EARLIEST = Date.UTC(1950, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);

// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on.
const FIRST_GENERALIZED_YEAR = 2050;

/** Throws PkiError on `field` unless `date` is a valid Date that X.509 Time can hold. */
export function checkDate(date: Date, field: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new PkiError(`${field} must be a valid date`, field);
  }
  if (date.getTime() < EARLIEST || date.getTime() > LATEST) {
    throw new PkiError(`${field} must lie between 1950 and 9999`, field);
  }
}

/**
 * The instant a certificate records for `date`: X.509 times hold whole seconds, so the
 * fraction is dropped (floored), exactly as createCertificate encodes notBefore and notAfter.
 */
export function certificateTime(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Whether `later` is after `earlier` once both are cut to the whole seconds DER encodes. */
export function isLaterInSeconds(later: Date, earlier: Date): boolean {
  return certificateTime(later).getTime() > certificateTime(earlier).getTime();
}

// YYYYMMDDHHMMSS of the UTC instant, fractions dropped: DER times carry no fraction here.
// Field by field rather than through toISOString and two regexes: a CRL writes one per entry.
function digits(date: Date): string {
  const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  return (
    String(date.getUTCFullYear()).padStart(4, "0") +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds())
  );
}

/** X.509 Time (UTCTime or GeneralizedTime as RFC 5280 prescribes), whole seconds, "Z". */
export function encodeTime(date: Date): Buffer {
  const text = digits(date);
  return date.getUTCFullYear() < FIRST_GENERALIZED_YEAR
    ? encodeElement(TAG.utcTime, Buffer.from(`${text.slice(2)}Z`, "ascii"))
    : encodeElement(TAG.generalizedTime, Buffer.from(`${text}Z`, "ascii"));
}

/** GeneralizedTime, whole seconds, "Z" (what OCSP uses throughout). */
export function encodeGeneralizedTime(date: Date): Buffer {
  return encodeElement(TAG.generalizedTime, Buffer.from(`${digits(date)}Z`, "ascii"));
}
