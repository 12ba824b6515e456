export * from "./issuance-worker";
export * from "./maintenance";
export * from "./metrics";
export * from "./metrics-server";
export * from "./start-worker";
export * from "./webhook-worker";
