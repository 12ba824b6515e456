export * from "./batch-keys";
export * from "./client";
export * from "./migrate";
export * from "./raw";
export * from "./schema";
export { sealedKekHeader } from "./schema/columns";
