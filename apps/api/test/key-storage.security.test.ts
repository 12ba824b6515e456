import { certificateAuthorities, certificates } from "@certq/db";
import { createKeyRing, openPrivateKey } from "@certq/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker(2);
});
afterAll(() => h.close());

const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");

describe("private keys at rest", () => {
  it("no stored column holds a PEM or the DER of any private key", async () => {
    const ca = await createRootCa(h, "EC_prime256v1");
    const profileId = await createProfile(h, ca.id);
    const res = await submit(h, {
      profileId,
      commonName: "rest.example.test",
      keyAlgorithm: "RSA_2048",
    });
    const request = await waitForRequest(h, res.body.certificateRequestId);
    const leafKeyDer = derOf(request.privateKey ?? "");
    expect(leafKeyDer.length).toBeGreaterThan(600);

    const [caRow] = await h.db.db.select().from(certificateAuthorities);
    const [certRow] = await h.db.db.select().from(certificates);
    if (!caRow?.encryptedPrivateKey || !certRow?.encryptedPrivateKey) {
      throw new Error("rows missing");
    }
    const caKeyDer = openPrivateKey({
      kek: h.ctx.kek,
      sealed: caRow.encryptedPrivateKey,
      aad: `ca:${caRow.id}`,
    });

    const everything = Buffer.concat([
      Buffer.from(JSON.stringify([caRow, certRow])),
      caRow.encryptedPrivateKey,
      certRow.encryptedPrivateKey,
    ]);
    expect(everything.includes("PRIVATE KEY")).toBe(false);
    for (const der of [leafKeyDer, caKeyDer]) {
      expect(everything.includes(der)).toBe(false);
      expect(everything.includes(der.subarray(der.length - 40))).toBe(false);
      expect(everything.includes(Buffer.from(der.toString("base64").slice(0, 64)))).toBe(false);
    }
    // The wrong key-encryption key cannot open it.
    expect(() =>
      openPrivateKey({
        kek: createKeyRing(Buffer.alloc(32)),
        sealed: certRow.encryptedPrivateKey as Buffer,
        aad: `certificate:${certRow.id}`,
      }),
    ).toThrow();
  });
});
