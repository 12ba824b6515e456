import { type AcmeAccountRow, acmeAccounts } from "@certq/db";
import { and, eq } from "drizzle-orm";
import {
  base64url,
  calculateJwkThumbprint,
  EmbeddedJWK,
  errors,
  flattenedVerify,
  importJWK,
  type JWK,
} from "jose";
import { z } from "zod";
import { isUuid } from "../uuid";
import type { AcmePost } from "./acme-context";
import { AcmeProblem } from "./acme-problem";
import type { AcmeUrls } from "./acme-urls";

/** The signature algorithms accepted on ACME requests (RFC 8555 6.2). */
export const ACME_JWS_ALGORITHMS = ["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"];

const flattenedJwsSchema = z.strictObject({
  protected: z.string().min(1),
  payload: z.string(),
  signature: z.string().min(1),
});

const protectedHeaderSchema = z.looseObject({
  alg: z.string(),
  nonce: z.string().optional(),
  url: z.string(),
  jwk: z.record(z.string(), z.unknown()).optional(),
  kid: z.string().optional(),
});

export type FlattenedJws = z.infer<typeof flattenedJwsSchema>;

/** Public members of a JWK only: what is stored and thumbprinted. */
export function publicJwk(jwk: Record<string, unknown>): JWK {
  const members = ["kty", "crv", "x", "y", "n", "e"];
  return Object.fromEntries(members.filter((m) => m in jwk).map((m) => [m, jwk[m]])) as JWK;
}

export const jwkThumbprint = (jwk: JWK) => calculateJwkThumbprint(publicJwk(jwk), "sha256");

/** Parses the JSON body of an ACME POST as a flattened JWS; malformed otherwise. */
export function parseJws(body: unknown): FlattenedJws {
  let json = body;
  if (typeof body === "string") {
    try {
      json = JSON.parse(body);
    } catch {
      throw new AcmeProblem("malformed", "The request body is not JSON (a flattened JWS)");
    }
  }
  const parsed = flattenedJwsSchema.safeParse(json);
  if (!parsed.success) {
    throw new AcmeProblem(
      "malformed",
      "The request body must be a flattened JWS: {protected, payload, signature}",
    );
  }
  return parsed.data;
}

function decodeHeader(jws: FlattenedJws) {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(jws.protected)));
  } catch {
    throw new AcmeProblem("malformed", "The JWS protected header is not base64url JSON");
  }
  const parsed = protectedHeaderSchema.safeParse(header);
  if (!parsed.success) {
    throw new AcmeProblem("malformed", "The JWS protected header needs string 'alg' and 'url'");
  }
  return parsed.data;
}

export interface VerifiedRequest<P> {
  /** Undefined for POST-as-GET (an empty payload). */
  payload: P | undefined;
  postAsGet: boolean;
  /** The account of a `kid` request. */
  account?: AcmeAccountRow;
  /** The key of a `jwk` request, public members only. */
  jwk?: JWK;
  jws: FlattenedJws;
}

/**
 * Checks one ACME POST (RFC 8555 6.2-6.5): flattened JWS, accepted `alg`, exactly one of
 * `jwk` (when `key` is "jwk" or "either") or `kid` (an account of this directory), `url`
 * equal to where it was sent, a valid signature, and a fresh nonce, consumed here. The
 * payload is parsed with `schema`, or must be empty for `postAsGet: "required"`.
 */
export async function verifyAcmeRequest<P>(
  post: AcmePost,
  profile: { profileId: string; urls: AcmeUrls },
  options: {
    key: "jwk" | "kid" | "either";
    schema?: z.ZodType<P>;
    postAsGet?: "required" | "allowed";
  },
): Promise<VerifiedRequest<P>> {
  const jws = parseJws(post.body);
  const header = decodeHeader(jws);
  if (!ACME_JWS_ALGORITHMS.includes(header.alg)) {
    throw new AcmeProblem(
      "badSignatureAlgorithm",
      `JWS algorithm '${header.alg}' is not supported`,
      {
        algorithms: ACME_JWS_ALGORITHMS,
      },
    );
  }
  if (header.jwk && header.kid) {
    throw new AcmeProblem("malformed", "The JWS header must hold 'jwk' or 'kid', not both");
  }
  if (!header.jwk && !header.kid) {
    throw new AcmeProblem("malformed", "The JWS header must hold 'jwk' or 'kid'");
  }
  if (options.key === "jwk" && !header.jwk) {
    throw new AcmeProblem("malformed", "This resource needs a JWS signed with 'jwk', not 'kid'");
  }
  if (options.key === "kid" && !header.kid) {
    throw new AcmeProblem("malformed", "This resource needs a JWS signed with 'kid', not 'jwk'");
  }
  if (header.url !== post.url) {
    throw new AcmeProblem(
      "unauthorized",
      `The JWS 'url' (${header.url}) is not the URL the request was sent to (${post.url})`,
    );
  }

  let account: AcmeAccountRow | undefined;
  let key: Parameters<typeof flattenedVerify>[1];
  if (header.kid) {
    account = await findAccountByKid(post, profile, header.kid);
    key = await importJWK(account.jwk as JWK, header.alg).catch(() => {
      throw new AcmeProblem(
        "badSignatureAlgorithm",
        `The account key cannot sign with '${header.alg}'`,
        {
          algorithms: ACME_JWS_ALGORITHMS,
        },
      );
    });
  } else {
    key = EmbeddedJWK;
  }

  let verified: Awaited<ReturnType<typeof flattenedVerify>>;
  try {
    verified = await flattenedVerify(jws, key as never, { algorithms: ACME_JWS_ALGORITHMS });
  } catch (error) {
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
      throw new AcmeProblem("badSignatureAlgorithm", (error as Error).message, {
        algorithms: ACME_JWS_ALGORITHMS,
      });
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw new AcmeProblem("malformed", "The JWS signature does not verify");
    }
    throw new AcmeProblem(
      "badPublicKey",
      `The JWS cannot be verified: ${(error as Error).message}`,
    );
  }

  // After the signature, so a forged request cannot burn someone's nonce.
  if (!header.nonce || !(await post.acme.nonces.consume(header.nonce))) {
    throw new AcmeProblem(
      "badNonce",
      header.nonce ? "The nonce is unknown, expired or already used" : "The JWS has no nonce",
    );
  }

  const payloadText = new TextDecoder().decode(verified.payload);
  const postAsGet = payloadText === "";
  if (postAsGet && options.postAsGet === undefined) {
    throw new AcmeProblem("malformed", "This resource needs a JSON payload, not POST-as-GET");
  }
  if (!postAsGet && options.postAsGet === "required") {
    throw new AcmeProblem("malformed", "POST-as-GET needs an empty payload");
  }
  let payload: P | undefined;
  if (!postAsGet) {
    let json: unknown;
    try {
      json = JSON.parse(payloadText);
    } catch {
      throw new AcmeProblem("malformed", "The JWS payload is not JSON");
    }
    if (options.schema) {
      const parsed = options.schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join(".") || "payload";
        throw new AcmeProblem("malformed", `${field}: ${issue?.message ?? "invalid"}`);
      }
      payload = parsed.data;
    } else {
      payload = json as P;
    }
  }
  return {
    payload,
    postAsGet,
    account,
    jwk: header.jwk ? publicJwk(header.jwk) : undefined,
    jws,
  };
}

async function findAccountByKid(
  post: AcmePost,
  { profileId, urls }: { profileId: string; urls: AcmeUrls },
  kid: string,
) {
  const prefix = urls.account("");
  const id = kid.startsWith(prefix) ? kid.slice(prefix.length) : "";
  const unknown = new AcmeProblem("accountDoesNotExist", `No account '${kid}' in this directory`);
  if (!isUuid(id)) throw unknown;
  const [account] = await post.ctx.db
    .select()
    .from(acmeAccounts)
    .where(and(eq(acmeAccounts.id, id.toLowerCase()), eq(acmeAccounts.profileId, profileId)))
    .limit(1);
  if (!account) throw unknown;
  if (account.status !== "valid") {
    throw new AcmeProblem("unauthorized", `Account ${kid} is ${account.status}`);
  }
  return account;
}
