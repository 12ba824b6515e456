export * from "./acme-validation-worker";
export * from "./issuance-worker";
export * from "./maintenance";
export * from "./metrics";
export * from "./start-worker";
export * from "./webhook-worker";
