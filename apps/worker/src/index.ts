export * from "./issuance-worker";
export * from "./maintenance";
export * from "./start-worker";
