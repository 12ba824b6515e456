import type { AcmeDeps, IssuanceClient, Principal, ServiceContext } from "@certq/core";

/** Per-request variables set by middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    ctx: ServiceContext;
    issuance: IssuanceClient;
    syncWaitMs: number;
    scheduleCrlRebuild: (caId: string) => Promise<unknown>;
    principal: Principal;
    acme: AcmeDeps;
  };
}
