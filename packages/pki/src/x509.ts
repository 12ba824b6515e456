// @peculiar/x509 resolves its algorithms through tsyringe, which refuses to load without a
// Reflect metadata polyfill; importing it here first lets every consumer use this package
// without knowing that.
import "reflect-metadata";

export * from "@peculiar/x509";
