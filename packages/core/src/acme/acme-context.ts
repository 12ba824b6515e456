import type { AnnounceRevocation, ServiceContext } from "../context";
import type { Admit } from "../issuance/admission";
import type { NonceStore } from "./nonce-store";

/** What the ACME verbs need beyond the ServiceContext; built once per API process. */
export interface AcmeDeps {
  nonces: NonceStore;
  /** Queues the validation of a challenge the client asked to be checked. */
  enqueueValidation(challengeId: string): Promise<unknown>;
  /** The issuance queue's backpressure and enqueue, shared with the API path. */
  admit: Admit;
  enqueueIssuance(requestId: string): Promise<unknown>;
  announceRevocation: AnnounceRevocation;
  /** How long validation of a challenge may take, retries included (default 60 s). */
  validationWindowMs?: number;
}

/** One ACME POST as the route received it: the body as text, and the URL it was sent to. */
export interface AcmePost {
  ctx: ServiceContext;
  acme: AcmeDeps;
  profileId: string;
  /** publicUrl + the request's path: what the JWS `url` must say. */
  url: string;
  body: string;
}

/** What a verb answers; the route writes it out as is. */
export interface AcmeReply {
  status: number;
  body: unknown;
  /** application/json unless said otherwise. */
  contentType?: string;
  location?: string;
  /** Link header values, e.g. `<...>;rel="up"`. */
  links?: string[];
  retryAfter?: number;
}
