// The test helpers other packages' tests may use ("@certq/pki/testing"); never production.
export * from "./fixtures";
export * from "./openssl";
export * from "./thrown";
