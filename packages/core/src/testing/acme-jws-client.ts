import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  FlattenedSign,
  generateKeyPair,
  type JWK,
} from "jose";

/** A fetch: global fetch over a socket, or the app's own in-process `request`. */
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface AcmeAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert: string;
  keyChange: string;
  meta: { externalAccountRequired: boolean };
}

export interface SigningKey {
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function newSigningKey(alg = "ES256"): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, jwk: await exportJWK(publicKey) };
}

export async function signJws(
  key: SigningKey,
  protectedHeader: Record<string, unknown>,
  payload: unknown,
): Promise<Record<string, string>> {
  const bytes =
    payload === "" ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
  return (await new FlattenedSign(bytes)
    .setProtectedHeader({ alg: key.alg, ...protectedHeader })
    .sign(key.privateKey)) as unknown as Record<string, string>;
}

/** The HS256 external account binding of RFC 8555 7.3.4 over `key`'s public JWK. */
export async function externalAccountBinding(
  key: SigningKey,
  eab: { kid: string; hmacKey: string },
  url: string,
) {
  const mac = Buffer.from(eab.hmacKey, "base64url");
  return (await new FlattenedSign(new TextEncoder().encode(JSON.stringify(key.jwk)))
    .setProtectedHeader({ alg: "HS256", kid: eab.kid, url })
    .sign(mac)) as unknown as Record<string, string>;
}

/**
 * A deliberately plain ACME client: every request spelled out, so tests can break any
 * rule of a JWS on purpose (nonce, url, kid/jwk, signature).
 */
export class JwsClient {
  nonce: string | undefined;
  kid: string | undefined;
  constructor(
    readonly fetch: Fetch,
    readonly directory: Directory,
    public key: SigningKey,
  ) {}

  static async connect(fetch: Fetch, directoryUrl: string, key?: SigningKey) {
    const res = await fetch(directoryUrl);
    if (res.status !== 200) throw new Error(`directory: ${res.status} ${await res.text()}`);
    return new JwsClient(fetch, (await res.json()) as Directory, key ?? (await newSigningKey()));
  }

  async freshNonce(): Promise<string> {
    const res = await this.fetch(this.directory.newNonce, { method: "HEAD" });
    const nonce = res.headers.get("replay-nonce");
    if (!nonce) throw new Error("no Replay-Nonce");
    return nonce;
  }

  thumbprint() {
    return calculateJwkThumbprint(this.key.jwk, "sha256");
  }

  /** POSTs a JWS; `header` overrides any protected header member (undefined removes it). */
  async post<T = Record<string, unknown>>(
    url: string,
    payload: unknown,
    options: {
      header?: Record<string, unknown>;
      useJwk?: boolean;
      key?: SigningKey;
      rawBody?: string;
      contentType?: string;
    } = {},
  ): Promise<AcmeAnswer<T>> {
    const nonce = this.nonce ?? (await this.freshNonce());
    this.nonce = undefined;
    const key = options.key ?? this.key;
    const header: Record<string, unknown> = { nonce, url };
    if (options.useJwk || !this.kid) header.jwk = key.jwk;
    else header.kid = this.kid;
    for (const [name, value] of Object.entries(options.header ?? {})) {
      if (value === undefined) delete header[name];
      else header[name] = value;
    }
    const body = options.rawBody ?? JSON.stringify(await signJws(key, header, payload));
    const res = await this.fetch(url, {
      method: "POST",
      headers: { "content-type": options.contentType ?? "application/jose+json" },
      body,
    });
    this.nonce = res.headers.get("replay-nonce") ?? undefined;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  async register(eab?: { kid: string; hmacKey: string }) {
    const res = await this.post(
      this.directory.newAccount,
      {
        termsOfServiceAgreed: true,
        contact: ["mailto:ops@example.test"],
        ...(eab
          ? {
              externalAccountBinding: await externalAccountBinding(
                this.key,
                eab,
                this.directory.newAccount,
              ),
            }
          : {}),
      },
      { useJwk: true },
    );
    if (res.status === 201 || res.status === 200)
      this.kid = res.headers.get("location") ?? undefined;
    return res;
  }
}
