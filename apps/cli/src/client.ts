/** A failure to show the user as one line. */
export class CliError extends Error {}

export interface Client {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Talks to a certq API with a bearer token; error bodies become one readable line. */
export function createClient(baseUrl: string, token: string): Client {
  return {
    async request(method, path, body) {
      let res: Response;
      try {
        res = await fetch(new URL(path, baseUrl), {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        throw new CliError(
          `cannot reach certq at ${baseUrl}: ${(error as Error).cause ?? (error as Error).message}`,
        );
      }
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : null;
      if (!res.ok) throw new CliError(`${res.status}: ${describeError(parsed) ?? text}`);
      return parsed;
    },
  };
}

function describeError(body: unknown): string | undefined {
  const b = body as { message?: unknown; error?: { message?: string } } | null;
  if (!b) return undefined;
  if (Array.isArray(b.message))
    return b.message.map((m: { message?: string }) => m.message ?? String(m)).join("; ");
  if (typeof b.message === "string") return b.message;
  return b.error?.message;
}
