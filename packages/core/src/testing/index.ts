export * from "./acme-jws-client";
export * from "./openssl";
export * from "./server-process";
export * from "./softhsm";
