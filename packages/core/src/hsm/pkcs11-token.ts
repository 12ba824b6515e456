import { createHash, createPublicKey } from "node:crypto";
import {
  type ExternalSigningKey,
  ecdsaSignatureToDer,
  type KeyAlgorithm,
  keyFamily,
  type SignatureAlgorithm,
  signatureDigest,
} from "@certq/pki";
import type * as Pkcs11 from "pkcs11js";
import { HsmKeyError } from "../errors";
import { losesSession, returnValueOf, tokenError } from "./token-errors";

type Pkcs11Module = typeof Pkcs11;
type Handle = Buffer;

/** Where the token is: the module (.so), the token by label or slot ID, and the user PIN. */
export interface TokenOptions {
  modulePath: string;
  tokenLabel?: string;
  slot?: number;
  pin: string;
}

/** CA keys made and used inside a PKCS#11 token; private keys never leave it. */
export interface HsmToken {
  /** Generates a key pair in the token under `keyId` (CKA_ID) and returns its public key. */
  generateKeyPair(args: {
    keyAlgorithm: KeyAlgorithm;
    keyId: Buffer;
    label: string;
  }): Promise<{ publicKeySpki: Buffer }>;
  /** The key `keyId` as a signer; HsmKeyError when the token holds no such key. */
  signingKey(keyId: Buffer, keyAlgorithm: KeyAlgorithm): ExternalSigningKey;
  /** Removes both halves of `keyId` (a CA whose creation failed). */
  destroyKeyPair(keyId: Buffer): void;
  close(): void;
}

const RSA_BITS: Partial<Record<KeyAlgorithm, number>> = {
  RSA_2048: 2048,
  RSA_3072: 3072,
  RSA_4096: 4096,
};

// CKA_EC_PARAMS is the curve's OID, DER; JWK names it, and the coordinates have this size.
const CURVES: Partial<Record<KeyAlgorithm, { params: string; jwk: string; size: number }>> = {
  EC_prime256v1: { params: "06082a8648ce3d030107", jwk: "P-256", size: 32 },
  EC_secp384r1: { params: "06052b81040022", jwk: "P-384", size: 48 },
  EC_secp521r1: { params: "06052b81040023", jwk: "P-521", size: 66 },
};

const RSA_MECHANISMS = {
  "RSA-SHA256": "CKM_SHA256_RSA_PKCS",
  "RSA-SHA384": "CKM_SHA384_RSA_PKCS",
  "RSA-SHA512": "CKM_SHA512_RSA_PKCS",
} as const;

function handleNumber(handle: Handle): number {
  return handle.length >= 8 ? Number(handle.readBigUInt64LE()) : handle.readUInt32LE();
}

function point(encoded: Buffer, size: number): Buffer {
  // CKA_EC_POINT is an OCTET STRING holding 04 || X || Y; some tokens give the bare point.
  const raw =
    encoded.length === 1 + 2 * size ? encoded : encoded.subarray(encoded.length - 1 - 2 * size);
  if (raw[0] !== 0x04)
    throw new HsmKeyError("the token's EC public key is not an uncompressed point");
  return raw;
}

function publicKeySpki(
  p: Pkcs11Module,
  pkcs11: Pkcs11.PKCS11,
  session: Handle,
  publicKey: Handle,
  keyAlgorithm: KeyAlgorithm,
): Buffer {
  const curve = CURVES[keyAlgorithm];
  const b64 = (b: Buffer) => b.toString("base64url");
  let jwk: Record<string, string>;
  if (curve) {
    const [ecPoint] = pkcs11.C_GetAttributeValue(session, publicKey, [{ type: p.CKA_EC_POINT }]);
    const raw = point(ecPoint?.value as Buffer, curve.size);
    jwk = {
      kty: "EC",
      crv: curve.jwk,
      x: b64(raw.subarray(1, 1 + curve.size)),
      y: b64(raw.subarray(1 + curve.size)),
    };
  } else {
    const [modulus, exponent] = pkcs11.C_GetAttributeValue(session, publicKey, [
      { type: p.CKA_MODULUS },
      { type: p.CKA_PUBLIC_EXPONENT },
    ]);
    jwk = { kty: "RSA", n: b64(modulus?.value as Buffer), e: b64(exponent?.value as Buffer) };
  }
  return createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" });
}

function keyTemplates(p: Pkcs11Module, keyAlgorithm: KeyAlgorithm, keyId: Buffer, label: string) {
  const common = [
    { type: p.CKA_TOKEN, value: true },
    { type: p.CKA_ID, value: keyId },
    { type: p.CKA_LABEL, value: label },
  ];
  const curve = CURVES[keyAlgorithm];
  const bits = RSA_BITS[keyAlgorithm];
  const keyType = curve ? p.CKK_EC : p.CKK_RSA;
  const publicTemplate = [
    ...common,
    { type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY },
    { type: p.CKA_KEY_TYPE, value: keyType },
    { type: p.CKA_VERIFY, value: true },
    ...(curve
      ? [{ type: p.CKA_EC_PARAMS, value: Buffer.from(curve.params, "hex") }]
      : [
          { type: p.CKA_MODULUS_BITS, value: bits },
          { type: p.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ]),
  ];
  // Sensitive and never extractable: the token refuses to hand the private key out, even wrapped.
  const privateTemplate = [
    ...common,
    { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
    { type: p.CKA_KEY_TYPE, value: keyType },
    { type: p.CKA_PRIVATE, value: true },
    { type: p.CKA_SENSITIVE, value: true },
    { type: p.CKA_EXTRACTABLE, value: false },
    { type: p.CKA_SIGN, value: true },
  ];
  const mechanism = curve ? p.CKM_EC_KEY_PAIR_GEN : p.CKM_RSA_PKCS_KEY_PAIR_GEN;
  return { mechanism: { mechanism }, publicTemplate, privateTemplate };
}

async function loadModule(): Promise<Pkcs11Module> {
  // Loaded on first use, so a process without an HSM never loads the native addon.
  const loaded = (await import("pkcs11js")) as Pkcs11Module & { default?: Pkcs11Module };
  return loaded.default ?? loaded;
}

function findSlot(pkcs11: Pkcs11.PKCS11, options: TokenOptions): Handle {
  const slots = pkcs11.C_GetSlotList(true);
  const slot = slots.find((candidate) =>
    options.tokenLabel !== undefined
      ? pkcs11.C_GetTokenInfo(candidate).label.trim() === options.tokenLabel
      : handleNumber(candidate) === options.slot,
  );
  if (!slot) {
    const wanted =
      options.tokenLabel !== undefined
        ? `labelled "${options.tokenLabel}"`
        : `in slot ${options.slot}`;
    throw new Error(
      `no PKCS#11 token ${wanted} in ${options.modulePath} (${slots.length} slots with a token)`,
    );
  }
  return slot;
}

/**
 * Opens the token once per process: loads the module, finds the token, opens one read-write
 * session and logs in with the PIN. Signing is synchronous on that one session (node runs
 * one operation at a time, so it is never used concurrently); key generation, which takes
 * seconds for RSA-4096, runs on libuv's pool in a session of its own. A session the token
 * dropped is opened anew on the next operation. Throws a readable Error when the module, the
 * token or the PIN is wrong (the PIN itself is never in a message).
 */
export async function openHsmToken(options: TokenOptions): Promise<HsmToken> {
  const p = await loadModule();
  const pkcs11 = new p.PKCS11();
  try {
    pkcs11.load(options.modulePath);
  } catch (error) {
    throw new Error(
      `cannot load the PKCS#11 module ${options.modulePath}: ${(error as Error).message}`,
    );
  }
  try {
    pkcs11.C_Initialize({ flags: p.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (returnValueOf(error) !== "CKR_CRYPTOKI_ALREADY_INITIALIZED") throw error;
  }
  const slot = findSlot(pkcs11, options);

  const openSession = (): Handle => {
    const session = pkcs11.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
    try {
      pkcs11.C_Login(session, p.CKU_USER, options.pin);
    } catch (error) {
      // Login is per application: a second session of this process is already logged in.
      if (returnValueOf(error) !== "CKR_USER_ALREADY_LOGGED_IN") {
        pkcs11.C_CloseSession(session);
        throw new Error(
          `cannot log in to the PKCS#11 token: ${returnValueOf(error) ?? (error as Error).message}`,
        );
      }
    }
    return session;
  };

  let session: Handle | null = openSession();
  // Object handles are looked up once per session and key.
  let handles = new Map<string, Handle>();

  const current = (): Handle => {
    if (!session) {
      session = openSession();
      handles = new Map();
    }
    return session;
  };
  const dropSessionOn = (error: unknown) => {
    if (losesSession(error) && session) {
      try {
        pkcs11.C_CloseSession(session);
      } catch {}
      session = null;
    }
  };

  const findObjects = (s: Handle, keyId: Buffer, objectClass: number): Handle[] => {
    pkcs11.C_FindObjectsInit(s, [
      { type: p.CKA_CLASS, value: objectClass },
      { type: p.CKA_ID, value: keyId },
    ]);
    try {
      return pkcs11.C_FindObjects(s, 2);
    } finally {
      pkcs11.C_FindObjectsFinal(s);
    }
  };

  const privateHandle = (s: Handle, keyId: Buffer): Handle => {
    const cacheKey = keyId.toString("hex");
    const cached = handles.get(cacheKey);
    if (cached) return cached;
    const [found] = findObjects(s, keyId, p.CKO_PRIVATE_KEY);
    if (!found) throw new HsmKeyError(`the PKCS#11 token holds no private key with ID ${cacheKey}`);
    handles.set(cacheKey, found);
    return found;
  };

  const signWith = (keyId: Buffer, keyAlgorithm: KeyAlgorithm) =>
    function signInToken(data: Buffer, signatureAlgorithm: SignatureAlgorithm): Buffer {
      try {
        const s = current();
        const key = privateHandle(s, keyId);
        if (keyFamily(keyAlgorithm) === "RSA") {
          const name = RSA_MECHANISMS[signatureAlgorithm as keyof typeof RSA_MECHANISMS];
          pkcs11.C_SignInit(s, { mechanism: p[name] }, key);
          return Buffer.from(pkcs11.C_Sign(s, data, Buffer.alloc(1024)));
        }
        // CKM_ECDSA signs a digest, so hash first; it answers r || s, X.509 wants DER.
        const digest = createHash(signatureDigest(signatureAlgorithm)).update(data).digest();
        pkcs11.C_SignInit(s, { mechanism: p.CKM_ECDSA }, key);
        return ecdsaSignatureToDer(Buffer.from(pkcs11.C_Sign(s, digest, Buffer.alloc(256))));
      } catch (error) {
        handles.delete(keyId.toString("hex"));
        if (error instanceof HsmKeyError) throw error;
        dropSessionOn(error);
        throw tokenError(error, "sign");
      }
    };

  return {
    async generateKeyPair({ keyAlgorithm, keyId, label }) {
      const { mechanism, publicTemplate, privateTemplate } = keyTemplates(
        p,
        keyAlgorithm,
        keyId,
        label,
      );
      let own: Handle | null = null;
      try {
        own = openSession();
        const keys = await pkcs11.C_GenerateKeyPairAsync(
          own,
          mechanism,
          publicTemplate,
          privateTemplate,
        );
        return { publicKeySpki: publicKeySpki(p, pkcs11, own, keys.publicKey, keyAlgorithm) };
      } catch (error) {
        if (error instanceof HsmKeyError) throw error;
        throw tokenError(error, `generate a ${keyAlgorithm} key pair`);
      } finally {
        if (own) pkcs11.C_CloseSession(own);
      }
    },
    signingKey(keyId, keyAlgorithm) {
      let spki: Buffer;
      try {
        const s = current();
        privateHandle(s, keyId);
        const [publicKey] = findObjects(s, keyId, p.CKO_PUBLIC_KEY);
        if (!publicKey) {
          throw new HsmKeyError(
            `the PKCS#11 token holds no public key with ID ${keyId.toString("hex")}`,
          );
        }
        spki = publicKeySpki(p, pkcs11, s, publicKey, keyAlgorithm);
      } catch (error) {
        if (error instanceof HsmKeyError) throw error;
        dropSessionOn(error);
        throw tokenError(error, "find a CA key");
      }
      return Object.freeze({
        keyAlgorithm,
        publicKeySpki: spki,
        sign: signWith(keyId, keyAlgorithm),
      });
    },
    destroyKeyPair(keyId) {
      const s = current();
      for (const objectClass of [p.CKO_PRIVATE_KEY, p.CKO_PUBLIC_KEY]) {
        for (const handle of findObjects(s, keyId, objectClass)) pkcs11.C_DestroyObject(s, handle);
      }
      handles.delete(keyId.toString("hex"));
    },
    close() {
      try {
        if (session) pkcs11.C_CloseSession(session);
        pkcs11.C_Finalize();
      } finally {
        session = null;
        pkcs11.close();
      }
    },
  };
}
