export * from "./issuance-worker";
export * from "./start-worker";
