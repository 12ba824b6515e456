import {
  createCertificate,
  generateKeyPair,
  generateSerialNumber,
  type NameConstraintsInput,
} from "@certq/pki";
import { describe, expect, it } from "vitest";
import { chainNameConstraints, createChainNameConstraintsCache } from "./chain-name-constraints";

const now = Date.now();

async function ca(
  commonName: string,
  nameConstraints: NameConstraintsInput | undefined,
  parent?: { pem: string; keys: Awaited<ReturnType<typeof generateKeyPair>> },
) {
  const keys = await generateKeyPair("EC_prime256v1");
  const pem = await createCertificate({
    subject: { commonName },
    publicKeySpki: keys.publicKeySpki,
    serialNumber: generateSerialNumber(),
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    signatureAlgorithm: "ECDSA-SHA256",
    issuer: parent
      ? {
          certificatePem: parent.pem,
          privateKeyPkcs8: parent.keys.privateKeyPkcs8,
          keyAlgorithm: parent.keys.algorithm,
        }
      : { selfSigned: { privateKeyPkcs8: keys.privateKeyPkcs8, keyAlgorithm: keys.algorithm } },
    ca: { maxPathLength: -1 },
    nameConstraints,
  });
  return { pem, keys };
}

describe("chainNameConstraints", () => {
  it("lists every constrained CA of the chain, issuing CA first, and skips free ones", async () => {
    const root = await ca("Root", { permitted: { dns: ["example.com"] } });
    const middle = await ca("Middle", undefined, root);
    const issuing = await ca("Issuing", { excluded: { ip: ["10.0.0.0/8"] } }, middle);
    const chain = chainNameConstraints(issuing.pem, `${middle.pem}${root.pem}`);
    expect(chain.map((level) => level.ca)).toEqual(["CN=Issuing", "CN=Root"]);
    expect(chain[0]?.constraints.excluded.ip).toEqual(["10.0.0.0/8"]);
    expect(chain[1]?.constraints.permitted.dns).toEqual(["example.com"]);
    expect(chainNameConstraints(middle.pem, "")).toEqual([]);
  });
});

describe("createChainNameConstraintsCache", () => {
  it("reuses a CA's entry while its certificate and chain are unchanged, and never a stale one", async () => {
    const a = await ca("A", { permitted: { dns: ["a.example"] } });
    const b = await ca("B", { permitted: { dns: ["b.example"] } });
    const cache = createChainNameConstraintsCache();
    const first = cache.get({ id: "ca-1", certificate: a.pem, certificateChain: "" });
    expect(cache.get({ id: "ca-1", certificate: `${a.pem}`, certificateChain: "" })).toBe(first);
    const changed = cache.get({ id: "ca-1", certificate: b.pem, certificateChain: "" });
    expect(changed).not.toBe(first);
    expect(changed[0]?.constraints.permitted.dns).toEqual(["b.example"]);
    expect(cache.get({ id: "ca-2", certificate: null, certificateChain: "" })).toEqual([]);
  });

  it("is bounded: the least recently used CA makes room", async () => {
    const a = await ca("A", { permitted: { dns: ["a.example"] } });
    const cache = createChainNameConstraintsCache(2);
    const one = cache.get({ id: "1", certificate: a.pem, certificateChain: "" });
    cache.get({ id: "2", certificate: a.pem, certificateChain: "" });
    cache.get({ id: "1", certificate: a.pem, certificateChain: "" });
    cache.get({ id: "3", certificate: a.pem, certificateChain: "" }); // evicts 2, not 1
    expect(cache.get({ id: "1", certificate: a.pem, certificateChain: "" })).toBe(one);
  });
});
