export * from "./acme-jws-client";
export * from "./openssl";
export * from "./softhsm";
