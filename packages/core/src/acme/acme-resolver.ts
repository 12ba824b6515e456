import { Resolver, lookup as systemLookup } from "node:dns/promises";
import type { LookupAll } from "../outbound/outbound-client";

/** The DNS that challenge validation trusts: names to addresses, and TXT records. */
export interface AcmeResolver {
  lookup: LookupAll;
  resolveTxt(name: string): Promise<string[]>;
}

const missing = (error: unknown) =>
  ["ENODATA", "ENOTFOUND", "ENONAME", "NXDOMAIN"].includes((error as { code?: string }).code ?? "");

/**
 * With a server (`host:port`, CERTQ_ACME_DNS_RESOLVER) every query goes there, as Pebble's
 * -dnsserver; without one, the system's resolver.
 */
export function createAcmeResolver(server?: string): AcmeResolver {
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  if (server) resolver.setServers([server]);
  return {
    async lookup(hostname) {
      if (!server) return systemLookup(hostname, { all: true, verbatim: true });
      const [v4, v6] = await Promise.all([
        resolver.resolve4(hostname).catch((error) => (missing(error) ? [] : Promise.reject(error))),
        resolver.resolve6(hostname).catch((error) => (missing(error) ? [] : Promise.reject(error))),
      ]);
      return [...v4, ...v6].map((address) => ({ address }));
    },
    async resolveTxt(name) {
      try {
        return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(""));
      } catch (error) {
        if (missing(error)) return [];
        throw error;
      }
    },
  };
}
