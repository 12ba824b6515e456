import { Agent, request } from "node:http";

export interface HttpResponse {
  status: number;
  text: string;
  /** The body as received (text is its UTF-8 reading, wrong for binary bodies). */
  body: Buffer;
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
    // Idle sockets close after 4 s, before Node servers' 5 s keepAliveTimeout closes them.
    this.agent = new Agent({ keepAlive: true, maxSockets, timeout: 4_000 });
  }

  async send(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 60_000,
  ): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return this.sendBytes(method, path, payload, "application/json", timeoutMs);
  }

  /** A body that is not JSON (an OCSP request, say). */
  async sendBytes(
    method: string,
    path: string,
    payload: Buffer | undefined,
    contentType: string,
    timeoutMs = 60_000,
  ): Promise<HttpResponse> {
    try {
      return await this.once(method, path, payload, contentType, timeoutMs);
    } catch (error) {
      // A kept-alive socket the server closed just as we reused it: the request never got
      // there, so sending it again is safe (what Node's documentation recommends).
      if ((error as { reusedSocket?: boolean }).reusedSocket) {
        return this.once(method, path, payload, contentType, timeoutMs);
      }
      throw error;
    }
  }

  private once(
    method: string,
    path: string,
    payload: Buffer | undefined,
    contentType: string,
    timeoutMs: number,
  ): Promise<HttpResponse> {
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
            ...(payload ? { "content-type": contentType, "content-length": payload.length } : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const body = Buffer.concat(chunks);
            // Decoded when read: a 5 MB CRL read as text would cost the generator ~10 ms.
            resolve({
              status: res.statusCode ?? 0,
              body,
              get text() {
                return body.toString("utf8");
              },
            });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", (error: NodeJS.ErrnoException) => {
        const reset = error.code === "ECONNRESET" || error.message === "socket hang up";
        reject(Object.assign(error, { reusedSocket: reset && req.reusedSocket }));
      });
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
