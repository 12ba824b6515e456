import type { Database } from "@certq/db";
import { createRequestViewLookup } from "./certificate-requests/get-request";
import type { SharedLookups } from "./context";
import { createIssuingProfileLookup } from "./profiles/find-issuing-profile";
import { createTokenLookup } from "./tokens/authenticate";

/** One set per process (ServiceContext.lookups), so concurrent requests batch together. */
export function createSharedLookups(db: Database): SharedLookups {
  return {
    token: createTokenLookup(db),
    issuingProfile: createIssuingProfileLookup(db),
    requestView: createRequestViewLookup(db),
  };
}
