import { randomBytes } from "node:crypto";
import {
  createCertificate,
  createCrl,
  defaultSignatureAlgorithm,
  generateSerialNumber,
  KEY_ALGORITHMS,
  prepareSigner,
} from "@certq/pki";
import { createScratch, opensslOk, opensslVerify, VERIFY_AT } from "@certq/pki/testing";
import type * as Pkcs11 from "pkcs11js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HsmKeyError } from "../errors";
import { createSoftHsmToken, type SoftHsmToken } from "../testing/softhsm";
import { type HsmToken, openHsmToken } from "./pkcs11-token";

let token: SoftHsmToken;
let hsm: HsmToken;
const wrongPin = "not-the-pin-4711";
let wrongPinError: unknown;
const scratch = createScratch();
const notBefore = new Date(Number(VERIFY_AT) * 1000 - 86_400_000);
const notAfter = new Date(Number(VERIFY_AT) * 1000 + 86_400_000);

beforeAll(async () => {
  token = await createSoftHsmToken();
  // Login is per process and token, so a wrong PIN is only refused before the right one.
  wrongPinError = await openHsmToken({ ...token.options, pin: wrongPin }).catch((e) => e);
  hsm = await openHsmToken(token.options);
});
afterAll(async () => {
  hsm?.close();
  scratch.remove();
  await token?.cleanup();
});

/** The token's own view of an object, read through a session of this test's own. */
async function privateKeyAttributes(keyId: Buffer, isRsa: boolean) {
  const p = ((await import("pkcs11js")) as { default: typeof Pkcs11 }).default;
  const pkcs11 = new p.PKCS11();
  pkcs11.load(token.options.modulePath);
  // The module is already initialised in this process (by `hsm`), and so is the login.
  const [slot] = pkcs11
    .C_GetSlotList(true)
    .filter((s) => pkcs11.C_GetTokenInfo(s).label.trim() === token.options.tokenLabel);
  if (!slot) throw new Error("test token missing");
  const session = pkcs11.C_OpenSession(slot, p.CKF_SERIAL_SESSION);
  try {
    pkcs11.C_FindObjectsInit(session, [
      { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
      { type: p.CKA_ID, value: keyId },
    ]);
    const [key] = pkcs11.C_FindObjects(session, 1);
    pkcs11.C_FindObjectsFinal(session);
    if (!key) throw new Error("no private key");
    const [sensitive, extractable, onToken] = pkcs11.C_GetAttributeValue(session, key, [
      { type: p.CKA_SENSITIVE },
      { type: p.CKA_EXTRACTABLE },
      { type: p.CKA_TOKEN },
    ]);
    let value: unknown = null;
    try {
      value = pkcs11.C_GetAttributeValue(session, key, [
        { type: isRsa ? p.CKA_PRIVATE_EXPONENT : p.CKA_VALUE },
      ]);
    } catch (error) {
      value = (error as Error).message;
    }
    return {
      sensitive: sensitive?.value?.[0] === 1,
      extractable: extractable?.value?.[0] === 1,
      onToken: onToken?.value?.[0] === 1,
      valueRead: value,
    };
  } finally {
    pkcs11.C_CloseSession(session);
  }
}

describe("openHsmToken (SoftHSM2)", () => {
  it.each(KEY_ALGORITHMS)(
    "%s: generates the key pair in the token, where it stays, and signs a root and a CRL openssl verifies",
    async (keyAlgorithm) => {
      const keyId = randomBytes(16);
      const { publicKeySpki } = await hsm.generateKeyPair({
        keyAlgorithm,
        keyId,
        label: `test-${keyAlgorithm}`,
      });
      const attributes = await privateKeyAttributes(keyId, keyAlgorithm.startsWith("RSA"));
      expect(attributes).toMatchObject({ sensitive: true, extractable: false, onToken: true });
      // The token refuses to give out the private value itself.
      expect(attributes.valueRead).toBe("CKR_ATTRIBUTE_SENSITIVE");

      const externalKey = hsm.signingKey(keyId, keyAlgorithm);
      expect(externalKey.publicKeySpki.equals(publicKeySpki)).toBe(true);
      const signatureAlgorithm = defaultSignatureAlgorithm(keyAlgorithm);
      const pem = await createCertificate({
        subject: { commonName: `Token ${keyAlgorithm}` },
        publicKeySpki,
        serialNumber: generateSerialNumber(),
        notBefore,
        notAfter,
        signatureAlgorithm,
        issuer: { selfSigned: { externalKey } },
        ca: { maxPathLength: -1 },
      });
      const signer = prepareSigner({ certificatePem: pem, externalKey, keyAlgorithm });
      const crl = await createCrl({
        issuer: signer,
        signatureAlgorithm,
        thisUpdate: notBefore,
        nextUpdate: notAfter,
        crlNumber: 1,
        entries: [],
      });
      const file = scratch.write(`${keyAlgorithm}.pem`, pem);
      const crlFile = scratch.write(`${keyAlgorithm}.crl`, crl.pem);
      const verified = opensslVerify(file, file, { crl: crlFile });
      expect(verified.code, verified.stderr + verified.stdout).toBe(0);
      expect(opensslOk(["x509", "-noout", "-text"], pem)).toContain(
        keyAlgorithm.startsWith("RSA") ? "sha256WithRSAEncryption" : "ecdsa-with-SHA",
      );
    },
  );

  it("a key the token does not hold is a permanent HsmKeyError; a destroyed key stops signing", async () => {
    expect(() => hsm.signingKey(randomBytes(16), "EC_prime256v1")).toThrow(HsmKeyError);
    const keyId = randomBytes(16);
    await hsm.generateKeyPair({ keyAlgorithm: "EC_prime256v1", keyId, label: "doomed" });
    const key = hsm.signingKey(keyId, "EC_prime256v1");
    expect(key.sign(Buffer.from("x"), "ECDSA-SHA256").length).toBeGreaterThan(8);
    hsm.destroyKeyPair(keyId);
    expect(() => key.sign(Buffer.from("x"), "ECDSA-SHA256")).toThrow(
      expect.objectContaining({ permanent: true }),
    );
    expect(() => hsm.signingKey(keyId, "EC_prime256v1")).toThrow(HsmKeyError);
  });

  it("a wrong PIN or label is a readable error that does not contain the PIN", async () => {
    expect(wrongPinError).toBeInstanceOf(Error);
    const { message } = wrongPinError as Error;
    expect(message).toMatch(/cannot log in to the PKCS#11 token: CKR_PIN_INCORRECT/);
    expect(message).not.toContain(wrongPin);
    await expect(openHsmToken({ ...token.options, tokenLabel: "no-such-token" })).rejects.toThrow(
      /no PKCS#11 token labelled "no-such-token"/,
    );
    await expect(
      openHsmToken({ ...token.options, modulePath: "/nonexistent/libpkcs11.so" }),
    ).rejects.toThrow(/cannot load the PKCS#11 module \/nonexistent\/libpkcs11.so/);
  });
});
