export * from "./access-tokens";
export * from "./audit-log";
export * from "./certificate-authorities";
export * from "./certificate-profiles";
export * from "./certificate-requests";
export * from "./certificate-revocation-lists";
export * from "./certificates";
export * from "./uploaded-certificates";
