import { loadConfig } from "@certq/config";
import { migrateDatabase } from "./migrate";

try {
  const config = loadConfig();
  await migrateDatabase(config.databaseUrl);
  console.log("migrations applied");
} catch (error) {
  console.error(`migration failed: ${(error as Error).message}`);
  process.exit(1);
}
