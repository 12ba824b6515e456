import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChildWithLogs, waitFor } from "./process-harness";

export interface Backend {
  name: string;
  /** host:port */
  address: string;
}

/**
 * The reference layout's haproxy configuration (the README shows the same): round robin over
 * the API replicas, /readyz health checks that take a dead or cut-off replica out within about
 * a second, and retries on another replica for requests that are safe to send again.
 */
export function haproxyConfig(options: {
  bind: string;
  statsBind: string;
  backends: readonly Backend[];
}): string {
  return `global
  maxconn 4096

defaults
  mode http
  timeout connect 1s
  timeout http-request 10s
  # Above the longest long-poll (?wait=60) and CERTQ_SYNC_WAIT_MS.
  timeout client 75s
  timeout server 75s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response 503

frontend certq
  bind ${options.bind}
  # A POST sent without an Idempotency-Key is not safe to send twice.
  http-request disable-l7-retry if METH_POST !{ req.hdr(idempotency-key) -m found }
  default_backend certq_api

backend certq_api
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fastinter 250ms downinter 1s fall 2 rise 2
${options.backends.map((b) => `  server ${b.name} ${b.address} check`).join("\n")}

frontend stats
  bind ${options.statsBind}
  stats enable
  stats uri /stats
`;
}

export class Haproxy {
  private constructor(
    readonly process: ChildWithLogs,
    readonly baseUrl: string,
    private readonly statsUrl: string,
    private readonly dir: string,
  ) {}

  static async start(options: {
    wrap: string[];
    host: string;
    port: number;
    statsPort: number;
    backends: readonly Backend[];
  }): Promise<Haproxy> {
    const dir = mkdtempSync(join(tmpdir(), "certq-haproxy-"));
    const file = join(dir, "haproxy.cfg");
    writeFileSync(
      file,
      haproxyConfig({
        bind: `${options.host}:${options.port}`,
        statsBind: `${options.host}:${options.statsPort}`,
        backends: options.backends,
      }),
    );
    const [command = "haproxy", ...args] = [...options.wrap, "haproxy", "-db", "-f", file];
    const child = new ChildWithLogs(
      "haproxy",
      spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] }),
    );
    const proxy = new Haproxy(
      child,
      `http://${options.host}:${options.port}`,
      `http://${options.host}:${options.statsPort}/stats;csv`,
      dir,
    );
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`haproxy exited:\n${child.tail()}`);
        const states = await proxy.serverStates().catch(() => undefined);
        const up = states && Object.values(states).every((state) => state.startsWith("UP"));
        return up ? states : undefined;
      },
      {
        timeoutMs: 30_000,
        describe: async () =>
          `every backend UP: ${JSON.stringify(await proxy.serverStates().catch((e) => String(e)))}\n${child.tail()}`,
      },
    );
    return proxy;
  }

  /** Each backend server's state as haproxy's health checks see it (UP, DOWN, ...). */
  async serverStates(): Promise<Record<string, string>> {
    const res = await fetch(this.statsUrl, { signal: AbortSignal.timeout(2_000) });
    const [header = "", ...rows] = (await res.text()).trim().split("\n");
    const columns = header.replace(/^# /, "").split(",");
    const [proxyCol, serverCol, statusCol] = ["pxname", "svname", "status"].map((c) =>
      columns.indexOf(c),
    );
    const states: Record<string, string> = {};
    for (const row of rows) {
      const cells = row.split(",");
      const server = cells[serverCol as number] ?? "";
      if (cells[proxyCol as number] === "certq_api" && !["FRONTEND", "BACKEND"].includes(server)) {
        states[server] = cells[statusCol as number] ?? "";
      }
    }
    return states;
  }

  async close(): Promise<void> {
    await this.process.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
