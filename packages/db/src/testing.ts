import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { createDatabase } from "./client";
import { migrateDatabase } from "./migrate";

/** The server tests use; never the service's own database. */
const TEST_SERVER_URL = "postgres://postgres@127.0.0.1:5432";

export interface TestDatabase extends ReturnType<typeof createDatabase> {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `certq_test_${randomUUID().replaceAll("-", "")}`;
  const url = `${TEST_SERVER_URL}/${name}`;
  await migrateDatabase(url);
  const database = createDatabase({ url, max: 10 });
  return {
    ...database,
    url,
    name,
    async drop() {
      await database.close();
      const admin = postgres(`${TEST_SERVER_URL}/postgres`, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}
