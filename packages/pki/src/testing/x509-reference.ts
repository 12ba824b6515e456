// Test support only: @peculiar/x509 encoded names and extensions before we did, so tests
// build their reference bytes with its classes, never with ours.
import type { SubjectInput } from "../names";
import { KEY_USAGES, type KeyUsage } from "../usages";
import * as x509 from "../x509";

/** The subject fields in the order our names (and x509's, given this order) write them. */
export const NAME_OIDS: [keyof SubjectInput, string][] = [
  ["country", "2.5.4.6"],
  ["province", "2.5.4.8"],
  ["locality", "2.5.4.7"],
  ["organization", "2.5.4.10"],
  ["ou", "2.5.4.11"],
  ["commonName", "2.5.4.3"],
];

/** The Name x509 writes for `subject`: PrintableString for the country, UTF8String else. */
export function x509Name(subject: SubjectInput): x509.Name {
  return new x509.Name(
    NAME_OIDS.filter(([field]) => subject[field]).map(([field, oid]) => ({
      [oid]: [
        field === "country"
          ? { printableString: subject[field] as string }
          : { utf8String: subject[field] as string },
      ],
    })),
  );
}

/** x509's KeyUsage flags: it puts RFC 5280 bit n at 1 << n, and KEY_USAGES is in bit order. */
export function keyUsageFlags(usages: readonly KeyUsage[]): number {
  return usages.reduce((sum, usage) => sum | (1 << KEY_USAGES.indexOf(usage)), 0);
}
