export * from "./crash-guards";
export * from "./exit-on-startup-error";
export * from "./on-shutdown-signal";
