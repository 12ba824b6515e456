import type { AltName, AltNameType, NameConstraints, NameSubtreeType } from "@certq/pki";
import { NameConstraintViolationError } from "../errors";
import { matchesIpPattern } from "./ip-range";

/** A CA in the issuing chain whose certificate carries nameConstraints. */
export interface ConstrainingCa {
  /** How messages name the CA: its subject, e.g. `CN=Example Root`. */
  ca: string;
  constraints: NameConstraints;
}

export interface NameConstraintViolation {
  /** The request field the name came from: `altNames.0.value` or `commonName`. */
  field: string;
  message: string;
}

const lower = (text: string) => text.toLowerCase();

/**
 * RFC 5280 4.2.1.10 as openssl reads it: `example.com` holds example.com and every name made
 * by adding labels on the left (not `badexample.com`); `.example.com` holds only names below
 * example.com. Case-insensitive; an empty base holds every name.
 */
export function dnsInSubtree(name: string, base: string): boolean {
  if (base.length === 0) return true;
  const n = lower(name);
  const b = lower(base);
  if (n.length < b.length) return false;
  if (n.length > b.length && !b.startsWith(".") && n[n.length - b.length - 1] !== ".") {
    return false;
  }
  return n.endsWith(b);
}

/**
 * Whether some name a wildcard `*.zone` stands for lies in `base`: `*.example.com` meets the
 * excluded `www.example.com` (it covers www), which openssl, comparing text, would let pass.
 */
function wildcardMeetsSubtree(name: string, base: string): boolean {
  if (dnsInSubtree(name, base)) return true;
  if (!name.startsWith("*.") || base.startsWith(".")) return false;
  const dot = base.indexOf(".");
  return dot > 0 && lower(base.slice(dot + 1)) === lower(name.slice(2));
}

/**
 * openssl's rfc822Name matching: a base with `@` is one mailbox (local part case-sensitive,
 * host not); `example.com` is every mailbox at that host; `.example.com` every mailbox at a
 * host below it (not at example.com itself).
 */
export function emailInSubtree(email: string, base: string): boolean {
  const at = email.lastIndexOf("@");
  if (at < 0) return false;
  if (base.startsWith(".")) {
    return email.length > base.length && lower(email).endsWith(lower(base));
  }
  const baseAt = base.lastIndexOf("@");
  if (baseAt > 0 && base.slice(0, baseAt) !== email.slice(0, at)) return false;
  return lower(base.slice(baseAt + 1)) === lower(email.slice(at + 1));
}

const SUBTREE_TYPE: Partial<Record<AltNameType, NameSubtreeType>> = {
  dns_name: "dns",
  ip_address: "ip",
  email: "email",
};

function inSubtree(type: NameSubtreeType, value: string, base: string, excluded: boolean): boolean {
  if (type === "ip") return matchesIpPattern(value, base);
  if (type === "email") return emailInSubtree(value, base);
  return excluded ? wildcardMeetsSubtree(value, base) : dnsInSubtree(value, base);
}

/**
 * Whether openssl would check a commonName as a DNS name: only [A-Za-z0-9_-.], `-` and `.`
 * never first or last, no `..`, `.-` or `-.`, and at least two labels. certq also counts a
 * wildcard (`*.example.com`), which openssl skips.
 */
export function commonNameLooksLikeDns(commonName: string): boolean {
  const name = commonName.startsWith("*.") ? commonName.slice(2) : commonName;
  return (
    name.includes(".") &&
    /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(name) &&
    !/\.\.|\.-|-\./.test(name)
  );
}

// Kinds of subtree that constrain names certq never issues, so they can never be broken.
const NEVER_ISSUED = ["otherName", "x400Address", "ediPartyName", "registeredID"];

function unevaluable(level: ConstrainingCa): string[] {
  return (["permitted", "excluded"] as const).flatMap((side) =>
    level.constraints[side].other
      .filter((entry) => !NEVER_ISSUED.some((kind) => entry === kind))
      .map((entry) => `${side} ${entry}`),
  );
}

function hasAny(level: ConstrainingCa): boolean {
  return (["permitted", "excluded"] as const).some((side) =>
    Object.values(level.constraints[side]).some((list) => list.length > 0),
  );
}

interface CheckedName {
  field: string;
  type: AltNameType;
  value: string;
}

function checkedNames(request: { commonName?: string; altNames: AltName[] }): CheckedName[] {
  const names: CheckedName[] = request.altNames.map((altName, i) => ({
    field: `altNames.${i}.value`,
    ...altName,
  }));
  // Checked even beside DNS SANs (openssl checks it only without them): safe for clients
  // that still read the CN.
  if (request.commonName !== undefined && commonNameLooksLikeDns(request.commonName)) {
    names.push({ field: "commonName", type: "dns_name", value: request.commonName });
  }
  return names;
}

/**
 * Every way a leaf's names break the nameConstraints of the CAs above it, each message naming
 * the name, the subtree and the CA; empty when none. Per RFC 5280: a name of a type with
 * permitted subtrees must lie in one of them, and no name may lie in an excluded one; a type a
 * CA does not constrain is free. certq's choices where that is not enough: URI names are
 * refused under any constrained CA (it does not evaluate uniformResourceIdentifier subtrees),
 * a wildcard meets an excluded subtree if any name it stands for does, and a CA with subtrees
 * certq cannot evaluate (directoryName, minimum/maximum) issues nothing.
 */
export function nameConstraintViolations(
  chain: readonly ConstrainingCa[],
  request: { commonName?: string; altNames: AltName[] },
): NameConstraintViolation[] {
  const violations: NameConstraintViolation[] = [];
  const names = checkedNames(request);
  for (const level of chain) {
    if (!hasAny(level)) continue;
    const of = `of CA "${level.ca}"`;
    const cannot = unevaluable(level);
    if (cannot.length > 0) {
      violations.push({
        field: "profileId",
        message: `profileId: the name constraints ${of} include subtrees certq cannot evaluate (${cannot.join(", ")}), so it issues nothing under it`,
      });
      continue;
    }
    for (const { field, type, value } of names) {
      const at = `${field}: ${type} '${value}'`;
      const subtreeType = SUBTREE_TYPE[type];
      if (!subtreeType) {
        violations.push({
          field,
          message: `${at} is not allowed under the name constraints ${of}: certq does not evaluate ${type} name constraints, so a constrained CA issues no ${type} names`,
        });
        continue;
      }
      const permitted = level.constraints.permitted[subtreeType];
      if (
        permitted.length > 0 &&
        !permitted.some((base) => inSubtree(subtreeType, value, base, false))
      ) {
        violations.push({
          field,
          message: `${at} is outside the permitted ${subtreeType} subtrees [${permitted.join(", ")}] ${of}`,
        });
      }
      const excluded = level.constraints.excluded[subtreeType].find((base) =>
        inSubtree(subtreeType, value, base, true),
      );
      if (excluded !== undefined) {
        violations.push({
          field,
          message: `${at} is inside the excluded ${subtreeType} subtree '${excluded}' ${of}`,
        });
      }
    }
  }
  return violations;
}

/** Throws NameConstraintViolationError with every violation when the chain refuses the names. */
export function assertNameConstraints(
  chain: readonly ConstrainingCa[],
  request: { commonName?: string; altNames: AltName[] },
): void {
  const violations = nameConstraintViolations(chain, request);
  if (violations.length > 0) throw new NameConstraintViolationError(violations);
}
