import { Agent, request } from "node:http";

export interface HttpResponse {
  status: number;
  text: string;
}

/**
 * A small keep-alive JSON client on node:http (lighter than fetch, which matters when the
 * load generator shares the cores with the system under test). Loopback only.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly base: URL,
    private readonly headers: Record<string, string> = {},
    maxSockets = 256,
  ) {
    if (base.hostname !== "127.0.0.1") throw new Error(`bench traffic stays on 127.0.0.1: ${base}`);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: {
            ...this.headers,
            ...(payload
              ? { "content-type": "application/json", "content-length": payload.length }
              : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  async json<T>(method: string, path: string, body?: unknown, expect = [200]): Promise<T> {
    const res = await this.send(method, path, body);
    if (!expect.includes(res.status)) {
      throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.text.slice(0, 500)}`);
    }
    return JSON.parse(res.text) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
