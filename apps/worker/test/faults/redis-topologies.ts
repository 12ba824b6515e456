/**
 * Private Redis topologies for the topology suites and the bench: a Sentinel group (master,
 * replica, three sentinels), a six-node Cluster, and a TLS node with an ACL user. Real
 * redis-server processes on free loopback ports under a temp dir; stop() kills and removes
 * everything. Never the shared 6379 instance.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { ChildWithLogs, delay, freePort } from "./process-harness";

const run = promisify(execFile);
const READY_MS = 20_000;
export const SENTINEL_MASTER = "certq";

/** Flags every data node of these topologies shares: no persistence, never evict. */
const DATA_NODE_FLAGS = [
  "--bind",
  "127.0.0.1",
  "--save",
  "",
  "--appendonly",
  "no",
  "--maxmemory-policy",
  "noeviction",
  "--daemonize",
  "no",
];

async function startNode(name: string, args: string[], readyText: string): Promise<ChildWithLogs> {
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  const node = new ChildWithLogs(name, child);
  await node.waitForLine((line) => line.raw.includes(readyText), `${name} readiness`, READY_MS);
  return node;
}

/** One command on a short-lived connection (fails rather than waits when the node is down). */
export async function askNode<T>(
  port: number,
  use: (client: Redis) => Promise<T>,
  options: { password?: string } = {},
): Promise<T> {
  const client = new Redis(port, "127.0.0.1", {
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
    lazyConnect: true,
    ...options,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** Polls until `check` gives a value, or throws with `what` at the deadline. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms (${String(lastError ?? "no answer")})`);
    }
    await delay(200);
  }
}

/** Ports may be taken between the probe and the bind: a topology start is retried whole. */
async function withRetries<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

export interface PrivateTopology {
  /** The variables certq reads to reach it. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** A master, a replica and three sentinels (quorum 2) watching master name "certq". */
export class SentinelTopology implements PrivateTopology {
  private constructor(
    private readonly dir: string,
    private readonly nodes: ChildWithLogs[],
    readonly masterPort: number,
    readonly replicaPort: number,
    readonly sentinelPorts: number[],
  ) {}

  static start(): Promise<SentinelTopology> {
    return withRetries(() => SentinelTopology.tryStart());
  }

  private static async tryStart(): Promise<SentinelTopology> {
    const dir = mkdtempSync(join(tmpdir(), "certq-sentinel-"));
    const nodes: ChildWithLogs[] = [];
    const [masterPort, replicaPort, ...sentinelPorts] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    const topology = new SentinelTopology(
      dir,
      nodes,
      masterPort as number,
      replicaPort as number,
      sentinelPorts,
    );
    try {
      const ready = "Ready to accept connections";
      const dataFlags = (port: number) => [
        "--port",
        String(port),
        "--dir",
        dir,
        "--dbfilename",
        `dump-${port}.rdb`,
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
        ...DATA_NODE_FLAGS,
      ];
      nodes.push(
        await startNode(`redis-master:${masterPort}`, dataFlags(masterPort as number), ready),
      );
      nodes.push(
        await startNode(
          `redis-replica:${replicaPort}`,
          [...dataFlags(replicaPort as number), "--replicaof", "127.0.0.1", String(masterPort)],
          ready,
        ),
      );
      for (const port of sentinelPorts) {
        const conf = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          conf,
          [
            `port ${port}`,
            "bind 127.0.0.1",
            `dir ${dir}`,
            `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
            `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
            `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
            `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
            "",
          ].join("\n"),
        );
        nodes.push(await startNode(`sentinel:${port}`, [conf, "--sentinel"], "+monitor master"));
      }
      await until("replica in sync", READY_MS, async () => {
        const info = await askNode(replicaPort as number, (c) => c.info("replication"));
        return info.includes("master_link_status:up") ? true : undefined;
      });
      // A failover needs every sentinel to know the replica and the other two sentinels.
      await until("sentinels know each other and the replica", 30_000, async () => {
        for (const port of sentinelPorts) {
          const [peers, replicas] = await askNode(port, async (c) => [
            (await c.call("SENTINEL", "sentinels", SENTINEL_MASTER)) as unknown[],
            (await c.call("SENTINEL", "replicas", SENTINEL_MASTER)) as unknown[],
          ]);
          if (peers?.length !== 2 || replicas?.length !== 1) return undefined;
        }
        return true;
      });
      return topology;
    } catch (error) {
      await topology.stop();
      throw error;
    }
  }

  get env(): Record<string, string> {
    return {
      CERTQ_REDIS_SENTINELS: this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(","),
      CERTQ_REDIS_SENTINEL_MASTER: SENTINEL_MASTER,
    };
  }

  /** The port the sentinels name as master right now (from the first that answers). */
  async currentMasterPort(): Promise<number | undefined> {
    for (const port of this.sentinelPorts) {
      try {
        const reply = await askNode(port, (c) =>
          c.call("SENTINEL", "get-master-addr-by-name", SENTINEL_MASTER),
        );
        if (Array.isArray(reply)) return Number(reply[1]);
      } catch {}
    }
    return undefined;
  }

  /** kill -9 of the current master: nothing saved, nothing handed over. */
  async killMaster(): Promise<void> {
    const master = this.nodes.find((n) => n.name === `redis-master:${this.masterPort}`);
    if (!master) throw new Error("no master process");
    await master.kill();
  }

  /** Waits until the sentinels name the replica as master and it answers as one. */
  async waitForPromotion(timeoutMs: number): Promise<void> {
    await until("replica promoted by the sentinels", timeoutMs, async () => {
      if ((await this.currentMasterPort()) !== this.replicaPort) return undefined;
      const info = await askNode(this.replicaPort, (c) => c.info("replication"));
      return info.includes("role:master") ? true : undefined;
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Six nodes, three masters with one replica each, made by `redis-cli --cluster create`. */
export class ClusterTopology implements PrivateTopology {
  private constructor(
    private readonly dir: string,
    private readonly nodes: Map<number, ChildWithLogs>,
  ) {}

  static start(): Promise<ClusterTopology> {
    return withRetries(() => ClusterTopology.tryStart());
  }

  private static async tryStart(): Promise<ClusterTopology> {
    const dir = mkdtempSync(join(tmpdir(), "certq-cluster-"));
    const nodes = new Map<number, ChildWithLogs>();
    const topology = new ClusterTopology(dir, nodes);
    try {
      const ports = await Promise.all(Array.from({ length: 12 }, () => freePort()));
      const started = await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const port = ports[i] as number;
          // The bus port is set explicitly: port + 10000 may be taken or out of range.
          const node = await startNode(
            `cluster-node:${port}`,
            [
              "--port",
              String(port),
              "--cluster-enabled",
              "yes",
              "--cluster-port",
              String(ports[i + 6]),
              "--cluster-config-file",
              join(dir, `nodes-${port}.conf`),
              "--cluster-node-timeout",
              "2000",
              "--dir",
              dir,
              "--dbfilename",
              `dump-${port}.rdb`,
              ...DATA_NODE_FLAGS,
            ],
            "Ready to accept connections",
          );
          return [port, node] as const;
        }),
      );
      for (const [port, node] of started) nodes.set(port, node);
      await run(
        "redis-cli",
        [
          "--cluster",
          "create",
          ...started.map(([port]) => `127.0.0.1:${port}`),
          "--cluster-replicas",
          "1",
          "--cluster-yes",
        ],
        { timeout: 60_000 },
      );
      await topology.waitUntilHealthy(30_000);
      return topology;
    } catch (error) {
      await topology.stop();
      throw error;
    }
  }

  get ports(): number[] {
    return [...this.nodes.keys()];
  }

  private get livePorts(): number[] {
    return [...this.nodes].filter(([, n]) => n.running).map(([p]) => p);
  }

  get env(): Record<string, string> {
    // Three seeds are enough: ioredis learns the rest from CLUSTER SLOTS.
    return {
      CERTQ_REDIS_CLUSTER_NODES: this.ports
        .slice(0, 3)
        .map((p) => `127.0.0.1:${p}`)
        .join(","),
    };
  }

  /**
   * Every live node says cluster_state:ok and every live replica's link to its master is up.
   * A replica that has never synced counts its data as infinitely old and refuses to stand for
   * election, so a kill before the first sync would leave the slot unserved for good.
   */
  async waitUntilHealthy(timeoutMs: number): Promise<void> {
    await until("cluster_state ok and replicas in sync on every live node", timeoutMs, async () => {
      for (const port of this.livePorts) {
        const info = String(await askNode(port, (c) => c.cluster("INFO")));
        if (!info.includes("cluster_state:ok")) return undefined;
        const replication = String(await askNode(port, (c) => c.info("replication")));
        if (replication.includes("role:slave") && !replication.includes("master_link_status:up")) {
          return undefined;
        }
      }
      return true;
    });
  }

  /** What a failed failover wait prints: the cluster as a live node sees it, and each node's log. */
  async describe(logLines = 12): Promise<string> {
    const port = this.livePorts[0];
    const nodes =
      port === undefined
        ? "no live node"
        : await askNode(port, (c) => c.cluster("NODES")).catch((error) => String(error));
    const logs = [...this.nodes].map(
      ([p, n]) =>
        `-- node ${p} (${n.running ? "running" : "stopped"})\n` +
        n.lines
          .slice(-logLines)
          .map((l) => l.raw)
          .join("\n"),
    );
    return [`CLUSTER NODES:\n${String(nodes)}`, ...logs].join("\n");
  }

  /** The port of the master that serves the key's slot, as a live node sees it. */
  async masterPortFor(key: string): Promise<number> {
    const port = this.livePorts[0];
    if (port === undefined) throw new Error("no live cluster node");
    return askNode(port, async (c) => {
      const slot = Number(await c.cluster("KEYSLOT", key));
      const ranges = await c.cluster("SLOTS");
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      const master = range?.[2];
      if (!master) throw new Error(`slot ${slot} is not served`);
      return Number(master[1]);
    });
  }

  /**
   * Has the killed master's replica take its slots without the masters' vote (CLUSTER FAILOVER
   * TAKEOVER, what an operator does when an election does not happen). Its port.
   */
  async forceTakeover(deadMasterPort: number): Promise<number> {
    const port = this.livePorts[0];
    if (port === undefined) throw new Error("no live cluster node");
    const nodes = String(await askNode(port, (c) => c.cluster("NODES"))).split("\n");
    const field = (line: string, i: number) => line.split(" ")[i] ?? "";
    const portOf = (line: string) => Number(field(line, 1).split("@")[0]?.split(":")[1]);
    const dead = nodes.find((line) => portOf(line) === deadMasterPort);
    const replica = nodes.find((line) => dead && field(line, 3) === field(dead, 0));
    if (!replica) throw new Error(`no replica of ${deadMasterPort} in CLUSTER NODES`);
    await askNode(portOf(replica), (c) => c.cluster("FAILOVER", "TAKEOVER"));
    return portOf(replica);
  }

  async kill(port: number): Promise<void> {
    await this.nodes.get(port)?.kill();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A redis-server reachable only over TLS, whose one user may touch only keys under a prefix. */
export class TlsAclRedis implements PrivateTopology {
  static readonly USER = "certq";
  static readonly SERVER_NAME = "redis.test";

  private constructor(
    private readonly dir: string,
    private readonly node: ChildWithLogs,
    readonly port: number,
    readonly password: string,
  ) {}

  static async start(options: { password: string; keyPattern: string }): Promise<TlsAclRedis> {
    const dir = mkdtempSync(join(tmpdir(), "certq-tls-redis-"));
    await writeTlsFiles(dir);
    const f = (name: string) => join(dir, name);
    return withRetries(async () => {
      const port = await freePort();
      const conf = f("redis.conf");
      writeFileSync(
        conf,
        [
          "port 0",
          `tls-port ${port}`,
          "bind 127.0.0.1",
          `tls-cert-file ${f("server.crt")}`,
          `tls-key-file ${f("server.key")}`,
          `tls-ca-cert-file ${f("ca.crt")}`,
          "tls-auth-clients yes",
          'save ""',
          "appendonly no",
          "maxmemory-policy noeviction",
          `dir ${dir}`,
          "user default off",
          // INFO is @dangerous but BullMQ and ioredis's ready check need it.
          `user ${TlsAclRedis.USER} on >${options.password} ~${options.keyPattern} resetchannels +@all -@dangerous +info`,
          "",
        ].join("\n"),
      );
      const node = await startNode(`tls-redis:${port}`, [conf], "Ready to accept connections");
      return new TlsAclRedis(dir, node, port, options.password);
    });
  }

  file(name: "ca.crt" | "client.crt" | "client.key"): string {
    return join(this.dir, name);
  }

  /** certq's variables for this node, with `password` (the right one unless told). */
  envWith(password = this.password): Record<string, string> {
    return {
      REDIS_URL: `rediss://${TlsAclRedis.USER}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`,
      CERTQ_REDIS_TLS_CA_FILE: this.file("ca.crt"),
      CERTQ_REDIS_TLS_CERT_FILE: this.file("client.crt"),
      CERTQ_REDIS_TLS_KEY_FILE: this.file("client.key"),
      CERTQ_REDIS_TLS_SERVERNAME: TlsAclRedis.SERVER_NAME,
    };
  }

  get env(): Record<string, string> {
    return this.envWith();
  }

  async stop(): Promise<void> {
    await this.node.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** ca.crt/key, server.crt/key (DNS redis.test only, so the server name must be sent) and client.crt/key. */
async function writeTlsFiles(dir: string): Promise<void> {
  const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=certq test Redis CA",
  );
  for (const [name, ext] of [
    ["server", `subjectAltName=DNS:${TlsAclRedis.SERVER_NAME}\nextendedKeyUsage=serverAuth`],
    ["client", "extendedKeyUsage=clientAuth"],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    await openssl(
      "req",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    );
    await openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    );
  }
}
