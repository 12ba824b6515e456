export * from "./apply-defaults";
export * from "./evaluate-policy";
export * from "./name-constraints";
export * from "./name-patterns";
export * from "./profile-schema";
export * from "./ttl";
