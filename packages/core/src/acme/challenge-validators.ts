import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import type { AcmeIdentifier } from "@certq/db";
import { readTlsAlpnCertificate } from "@certq/pki";
import { OutboundRefusedError } from "../errors";
import { createOutboundClient, type OutboundClient } from "../outbound/outbound-client";
import type { OutboundPolicy } from "../outbound/outbound-policy";
import type { AcmeChallengeType } from "../profiles/enrollment-schema";
import type { AcmeProblemType } from "./acme-problem";
import type { AcmeResolver } from "./acme-resolver";

/** A challenge that did not validate; `permanent` ones are not retried (policy refusals). */
export class ChallengeFailedError extends Error {
  constructor(
    readonly problemType: AcmeProblemType,
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = "ChallengeFailedError";
  }
}

export interface ChallengeCheck {
  type: AcmeChallengeType;
  identifier: AcmeIdentifier;
  token: string;
  keyAuthorization: string;
}

export interface ChallengeValidators {
  validate(check: ChallengeCheck): Promise<void>;
  close(): Promise<void>;
}

const MAX_HTTP01_BODY = 4_096;
const TIMEOUT_MS = 10_000;

export const keyAuthorizationDigest = (keyAuthorization: string) =>
  createHash("sha256").update(keyAuthorization).digest();

/**
 * The three validations (RFC 8555 8.3, 8.4; RFC 8737). Every connection goes through the
 * outbound policy: a name resolving to an address it refuses fails the challenge for good.
 */
export function createChallengeValidators(options: {
  policy: OutboundPolicy;
  resolver: AcmeResolver;
  http01Port: number;
  tlsAlpn01Port: number;
  timeoutMs?: number;
}): ChallengeValidators {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const http: OutboundClient = createOutboundClient({
    policy: options.policy,
    lookup: options.resolver.lookup,
    connectTimeoutMs: timeoutMs,
  });

  async function allowedAddress(host: string): Promise<string> {
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await options.resolver.lookup(host)).map((a) => a.address);
    } catch (error) {
      throw new ChallengeFailedError(
        "dns",
        `Resolving ${host} failed: ${(error as Error).message}`,
      );
    }
    if (addresses.length === 0) throw new ChallengeFailedError("dns", `${host} has no address`);
    for (const address of addresses) {
      const reason = options.policy.refusal(address);
      if (reason !== undefined) {
        const refused = new OutboundRefusedError(host, address, reason);
        throw new ChallengeFailedError("connection", refused.message, true);
      }
    }
    return addresses[0] as string;
  }

  async function http01(check: ChallengeCheck) {
    const host =
      check.identifier.type === "ip" && isIP(check.identifier.value) === 6
        ? `[${check.identifier.value}]`
        : check.identifier.value;
    const url = `http://${host}:${options.http01Port}/.well-known/acme-challenge/${check.token}`;
    let body: string;
    try {
      const response = await http.fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new ChallengeFailedError("unauthorized", `${url} answered ${response.status}`);
      }
      body = (await response.text()).slice(0, MAX_HTTP01_BODY);
    } catch (error) {
      if (error instanceof ChallengeFailedError) throw error;
      if (error instanceof OutboundRefusedError) {
        throw new ChallengeFailedError("connection", error.message, true);
      }
      const cause = (error as { cause?: Error }).cause;
      throw new ChallengeFailedError(
        "connection",
        `Fetching ${url} failed: ${cause?.message ?? (error as Error).message}`,
      );
    }
    if (body.trim() !== check.keyAuthorization) {
      throw new ChallengeFailedError(
        "incorrectResponse",
        `${url} did not answer the key authorization`,
      );
    }
  }

  async function dns01(check: ChallengeCheck) {
    const name = `_acme-challenge.${check.identifier.value}`;
    const expected = keyAuthorizationDigest(check.keyAuthorization).toString("base64url");
    let records: string[];
    try {
      records = await options.resolver.resolveTxt(name);
    } catch (error) {
      throw new ChallengeFailedError(
        "dns",
        `TXT lookup of ${name} failed: ${(error as Error).message}`,
      );
    }
    if (!records.includes(expected)) {
      throw new ChallengeFailedError(
        "incorrectResponse",
        records.length === 0
          ? `No TXT record at ${name}`
          : `No TXT record at ${name} holds the key authorization digest`,
      );
    }
  }

  async function tlsAlpn01(check: ChallengeCheck) {
    const address = await allowedAddress(check.identifier.value);
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({
        host: address,
        port: options.tlsAlpn01Port,
        servername: isIP(check.identifier.value) ? undefined : check.identifier.value,
        ALPNProtocols: ["acme-tls/1"],
        // The certificate is self-signed by design: what it holds is checked below.
        rejectUnauthorized: false,
        timeout: timeoutMs,
      });
      s.once("secureConnect", () => resolve(s));
      s.once("timeout", () => {
        s.destroy();
        reject(new Error("timed out"));
      });
      s.once("error", reject);
    }).catch((error: Error) => {
      throw new ChallengeFailedError(
        "tls",
        `TLS to ${check.identifier.value}:${options.tlsAlpn01Port} failed: ${error.message}`,
      );
    });
    try {
      if (socket.alpnProtocol !== "acme-tls/1") {
        throw new ChallengeFailedError("tls", "The server did not negotiate ALPN acme-tls/1");
      }
      const raw = socket.getPeerCertificate().raw;
      if (!raw) throw new ChallengeFailedError("tls", "The server sent no certificate");
      let presented: ReturnType<typeof readTlsAlpnCertificate>;
      try {
        presented = readTlsAlpnCertificate(raw);
      } catch (error) {
        throw new ChallengeFailedError(
          "tls",
          `The certificate cannot be read: ${(error as Error).message}`,
        );
      }
      const wantedType = check.identifier.type === "ip" ? "ip_address" : "dns_name";
      const names = presented.altNames;
      if (
        names.length !== 1 ||
        names[0]?.type !== wantedType ||
        names[0]?.value.toLowerCase() !== check.identifier.value
      ) {
        throw new ChallengeFailedError(
          "incorrectResponse",
          `The certificate must name exactly ${check.identifier.value}`,
        );
      }
      const acme = presented.acmeIdentifier;
      if (!acme?.critical) {
        throw new ChallengeFailedError(
          "incorrectResponse",
          "The certificate lacks a critical acmeIdentifier extension",
        );
      }
      if (!acme.digest.equals(keyAuthorizationDigest(check.keyAuthorization))) {
        throw new ChallengeFailedError(
          "incorrectResponse",
          "The acmeIdentifier is not the key authorization's digest",
        );
      }
    } finally {
      socket.destroy();
    }
  }

  return {
    async validate(check) {
      if (check.type === "http-01") return http01(check);
      if (check.type === "dns-01") return dns01(check);
      return tlsAlpn01(check);
    },
    close: () => http.close(),
  };
}
