import { isIP } from "node:net";
import { ConfigError } from "@certq/config";
import { ipPatternProblem, matchesIpPattern } from "../policy/ip-range";
import { embeddedIpv4, refusedAddressClass } from "./address-classes";

/** Which addresses outbound requests may reach: public ones, plus the operator's allowlist. */
export interface OutboundPolicy {
  /** CIDR ranges (or single addresses) reachable whatever their class (CERTQ_OUTBOUND_ALLOW). */
  readonly allow: readonly string[];
  /** Why a connection to this IP address is refused, or undefined when it may proceed. */
  refusal(address: string): string | undefined;
  /**
   * The same for a URL whose host is a literal IP address (or `localhost`): a cheap early
   * check for input; hostnames are judged at connection time, after DNS.
   */
  literalHostRefusal(url: string): string | undefined;
}

/** The host of a URL without IPv6 brackets, as a connection would use it. */
export function bareHostname(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

/** Builds the policy; throws ConfigError naming every allowlist entry that is not a CIDR. */
export function createOutboundPolicy(options: { allow: readonly string[] }): OutboundPolicy {
  const problems = options.allow
    .map((entry) => ipPatternProblem(entry))
    .filter((problem) => problem !== undefined)
    .map((problem) => `CERTQ_OUTBOUND_ALLOW: ${problem}`);
  if (problems.length > 0) throw new ConfigError(problems);
  const allow = [...options.allow];

  const refusal = (address: string): string | undefined => {
    const reason = refusedAddressClass(address);
    if (reason === undefined) return undefined;
    // An allowlisted IPv4 range also covers that address's IPv4-mapped IPv6 form.
    const forms = [address, embeddedIpv4(address)].filter((form) => form !== undefined);
    const allowed = allow.some((range) => forms.some((form) => matchesIpPattern(form, range)));
    return allowed ? undefined : reason;
  };

  return {
    allow,
    refusal,
    literalHostRefusal(url) {
      const host = bareHostname(new URL(url).hostname).toLowerCase().replace(/\.$/, "");
      // RFC 6761: localhost names always resolve to loopback.
      if (host === "localhost" || host.endsWith(".localhost")) return refusal("127.0.0.1");
      return isIP(host) ? refusal(host) : undefined;
    },
  };
}
