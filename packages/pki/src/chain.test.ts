import { afterAll, describe, expect, it } from "vitest";
import { createCertificate } from "./certificate";
import { buildChain, verifyIssuedBy } from "./chain";
import { type GeneratedKeyPair, generateKeyPair } from "./keys";
import { certificateInput, selfSignedBy, signerInput } from "./testing/fixtures";
import {
  createScratch,
  opensslCsr,
  opensslOk,
  opensslPkcs8,
  opensslSignCsr,
  opensslVerify,
} from "./testing/openssl";

const scratch = createScratch();
afterAll(() => scratch.remove());

interface Ca {
  pem: string;
  keys: GeneratedKeyPair;
}

async function issue(args: {
  commonName: string;
  issuer: Ca | null;
  maxPathLength?: number;
  keys?: GeneratedKeyPair;
}): Promise<Ca> {
  const keys = args.keys ?? (await generateKeyPair("EC_prime256v1"));
  const pem = await createCertificate(
    certificateInput({
      subject: { commonName: args.commonName },
      publicKeySpki: keys.publicKeySpki,
      signatureAlgorithm: "ECDSA-SHA256",
      issuer: args.issuer ? signerInput(args.issuer.pem, args.issuer.keys) : selfSignedBy(keys),
      ...(args.maxPathLength === undefined ? {} : { ca: { maxPathLength: args.maxPathLength } }),
    }),
  );
  return { pem, keys };
}

/** One of our CAs as the files `openssl x509 -req` signs with, its key converted by openssl. */
function opensslCaFiles(name: string, ca: Ca) {
  return {
    certificateFile: scratch.write(`${name}.pem`, ca.pem),
    keyFile: scratch.write(
      `${name}.key`,
      opensslOk(["pkey", "-inform", "DER"], ca.keys.privateKeyPkcs8),
    ),
  };
}

const hierarchy = (async () => {
  const root = await issue({ commonName: "Chain Root", issuer: null, maxPathLength: -1 });
  const inter1 = await issue({ commonName: "Chain Inter 1", issuer: root, maxPathLength: 1 });
  const inter2 = await issue({ commonName: "Chain Inter 2", issuer: inter1, maxPathLength: 0 });
  const leaf = await issue({ commonName: "leaf.example.com", issuer: inter2 });
  const otherRoot = await issue({ commonName: "Other Root", issuer: null, maxPathLength: -1 });
  return { root, inter1, inter2, leaf, otherRoot };
})();

describe("buildChain", () => {
  it("orders the issuers from the leaf up to the root, whatever the input order", async () => {
    const { root, inter1, inter2, leaf, otherRoot } = await hierarchy;
    const chain = await buildChain(leaf.pem, [root.pem, otherRoot.pem, inter1.pem, inter2.pem]);
    expect(chain).toEqual([inter2.pem, inter1.pem, root.pem]);

    // openssl agrees that this is a path.
    const rootFile = scratch.write("root.pem", root.pem);
    const untrusted = scratch.write("untrusted.pem", `${inter2.pem}\n${inter1.pem}\n`);
    const leafFile = scratch.write("leaf.pem", leaf.pem);
    const result = opensslVerify(rootFile, leafFile, { untrusted });
    expect(result.code, result.stderr).toBe(0);
  });

  it("builds the chain of an intermediate, and an empty one for a root", async () => {
    const { root, inter1, inter2 } = await hierarchy;
    expect(await buildChain(inter2.pem, [inter1.pem, root.pem])).toEqual([inter1.pem, root.pem]);
    expect(await buildChain(root.pem, [inter1.pem])).toEqual([]);
  });

  it("refuses a chain with a missing link", async () => {
    const { root, inter2, leaf } = await hierarchy;
    await expect(buildChain(leaf.pem, [inter2.pem, root.pem])).rejects.toMatchObject({
      name: "PkiError",
      field: "certificateChain",
    });
    await expect(buildChain(leaf.pem, [])).rejects.toThrow(/no certificate in the chain issued/);
  });

  it("refuses a chain that ends in the wrong root", async () => {
    const { inter1, inter2, leaf, otherRoot } = await hierarchy;
    await expect(
      buildChain(leaf.pem, [inter2.pem, inter1.pem, otherRoot.pem]),
    ).rejects.toMatchObject({
      field: "certificateChain",
    });
  });

  it("refuses a look-alike issuer: same name, different key", async () => {
    const { root, inter1, leaf } = await hierarchy;
    const impostor = await issue({ commonName: "Chain Inter 2", issuer: inter1, maxPathLength: 0 });
    await expect(buildChain(leaf.pem, [impostor.pem, inter1.pem, root.pem])).rejects.toMatchObject({
      field: "certificateChain",
    });
  });

  it("refuses a path through a certificate that is not a CA", async () => {
    // createCertificate will not sign with a non-CA, so openssl forges the link.
    const { root, inter1, inter2 } = await hierarchy;
    const notCa = await issue({ commonName: "Not A CA", issuer: inter2 });
    const csr = opensslCsr(scratch.path("below.key"), "/CN=below-not-ca");
    const below = opensslSignCsr(csr, opensslCaFiles("not-ca", notCa), { serial: "7" });
    expect(await verifyIssuedBy(below, notCa.pem)).toBe(true);
    await expect(buildChain(below, [notCa.pem, inter2.pem, inter1.pem, root.pem])).rejects.toThrow(
      /not a CA/,
    );
  });

  it("enforces pathLen along the path", async () => {
    const { root, inter1, inter2 } = await hierarchy;
    // Inter 2 has pathLen 0, but openssl can still sign a CA under it.
    const csr = opensslCsr(scratch.path("too-deep.key"), "/CN=Too Deep CA");
    const ext = scratch.write(
      "ca.ext",
      "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n",
    );
    const tooDeep = opensslSignCsr(csr, opensslCaFiles("inter2", inter2), {
      serial: "9",
      extensionsFile: ext,
    });
    // The CA itself is fine (nothing below it yet)...
    expect(await buildChain(tooDeep, [inter2.pem, inter1.pem, root.pem])).toHaveLength(3);
    // ...but a certificate under it would put two CAs below Inter 2's pathLen 0... and
    // Inter 1 (pathLen 1) would then have two intermediates below it as well.
    const tooDeepKey = opensslPkcs8(scratch.path("too-deep.key"));
    const leaf = await issue({
      commonName: "under-too-deep",
      issuer: { pem: tooDeep, keys: { ...inter2.keys, privateKeyPkcs8: tooDeepKey } },
    });
    await expect(buildChain(leaf.pem, [tooDeep, inter2.pem, inter1.pem, root.pem])).rejects.toThrow(
      /pathLen 0/,
    );
  });

  it("throws PkiError for unparsable candidates", async () => {
    const { leaf } = await hierarchy;
    await expect(buildChain(leaf.pem, ["not a certificate"])).rejects.toMatchObject({
      field: "certificateChain",
    });
  });
});

describe("verifyIssuedBy", () => {
  it("is true only for the real issuer", async () => {
    const { root, inter1, inter2, leaf, otherRoot } = await hierarchy;
    expect(await verifyIssuedBy(leaf.pem, inter2.pem)).toBe(true);
    expect(await verifyIssuedBy(inter1.pem, root.pem)).toBe(true);
    expect(await verifyIssuedBy(root.pem, root.pem)).toBe(true);
    expect(await verifyIssuedBy(leaf.pem, inter1.pem)).toBe(false);
    expect(await verifyIssuedBy(inter1.pem, otherRoot.pem)).toBe(false);
    // Same name, other key: the signature decides.
    const impostor = await issue({ commonName: "Chain Inter 2", issuer: inter1, maxPathLength: 0 });
    expect(await verifyIssuedBy(leaf.pem, impostor.pem)).toBe(false);
  });
});
