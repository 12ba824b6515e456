export * from "./openssl";
export * from "./softhsm";
