import type { AcmeDeps, IssuanceClient, Principal, QueueingContext } from "@certq/core";

/** Per-request variables set by middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    ctx: QueueingContext;
    issuance: IssuanceClient;
    syncWaitMs: number;
    principal: Principal;
    acme: AcmeDeps;
  };
}
