import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import {
  Agent,
  buildConnector,
  type RequestInit,
  type Response,
  fetch as undiciFetch,
} from "undici";
import { OutboundRefusedError } from "../errors";
import { bareHostname, type OutboundPolicy } from "./outbound-policy";

/** Every address a hostname resolves to (dns.lookup with `all`); tests pass their own. */
export type LookupAll = (hostname: string) => Promise<{ address: string }[]>;

const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** fetch for requests leaving certq (webhooks), through the outbound policy. */
export interface OutboundClient {
  readonly policy: OutboundPolicy;
  /**
   * undici's fetch on a dispatcher that checks every connection it opens, so the check
   * sees the address actually connected to (after DNS), on every redirect hop. A refusal
   * rejects with OutboundRefusedError before any socket is opened.
   */
  fetch(url: string, init?: Omit<RequestInit, "dispatcher">): Promise<Response>;
  close(): Promise<void>;
}

export function createOutboundClient(options: {
  policy: OutboundPolicy;
  lookup?: LookupAll;
  connectTimeoutMs?: number;
}): OutboundClient {
  const { policy } = options;
  const lookup = options.lookup ?? systemLookup;

  /** Resolves once, refuses if any address is refused, and connects to that very address. */
  async function checkedAddress(hostname: string): Promise<string> {
    const addresses = isIP(hostname)
      ? [hostname]
      : (await lookup(hostname)).map((entry) => entry.address);
    if (addresses.length === 0) throw new Error(`${hostname} resolves to no address`);
    for (const address of addresses) {
      const reason = policy.refusal(address);
      if (reason !== undefined) throw new OutboundRefusedError(hostname, address, reason);
    }
    return addresses[0] as string;
  }

  const connectSocket = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000 });
  // TLS keeps its server name from the request's Host, so certificates are checked by name.
  const connect: buildConnector.connector = function filteredConnect(connectOptions, callback) {
    checkedAddress(bareHostname(connectOptions.hostname)).then(
      (address) => connectSocket({ ...connectOptions, hostname: address }, callback),
      (error: Error) => callback(error, null),
    );
  };
  const dispatcher = new Agent({ connect });

  return {
    policy,
    async fetch(url, init = {}) {
      try {
        return await undiciFetch(url, { ...init, dispatcher });
      } catch (error) {
        // fetch reports every network failure as TypeError("fetch failed", { cause }).
        const cause = (error as { cause?: unknown }).cause;
        if (cause instanceof OutboundRefusedError) throw cause;
        throw error;
      }
    },
    close: () => dispatcher.close(),
  };
}
