export * from "./config-schema";
export * from "./kek";
export * from "./load-config";
export * from "./logger";
export * from "./redis-connection";
