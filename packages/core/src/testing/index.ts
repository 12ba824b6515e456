export * from "./softhsm";
