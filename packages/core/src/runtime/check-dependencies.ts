import postgres from "postgres";

/** A dependency that cannot be reached at start; its message is one line for a human. */
export class DependencyUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DependencyUnreachableError";
  }
}

function address(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    return `${u.hostname || "localhost"}:${u.port || defaultPort}`;
  } catch {
    return url;
  }
}

function reason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return (e.code ?? e.message ?? String(error)).replace(/\.+$/, "");
}

export async function checkPostgres(databaseUrl: string): Promise<void> {
  // The maintenance database always exists; ours may not yet (migrate creates it).
  const admin = new URL(databaseUrl);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (error) {
    throw new DependencyUnreachableError(
      `certq: cannot reach PostgreSQL at ${address(databaseUrl, 5432)} (DATABASE_URL): ${reason(error)}. ` +
        "Start it (docker compose up -d postgres, or your system's service manager) or point DATABASE_URL at a running server.",
    );
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}
