/**
 * "Separate hosts" for the many-hosts suite: one network namespace per host, all joined by a
 * bridge that lives in a namespace of its own (so the machine's own interfaces, routes and
 * sysctls are untouched), plus one veth end on the machine for the services the test runs
 * itself (a private Redis, a forwarder to the shared Postgres).
 *
 * Addresses come from 198.18.0.0/15 (RFC 2544, benchmarking: never routed anywhere real); all
 * traffic stays on that one segment. Names carry the test's pid so concurrent runs do not
 * collide and a later run can sweep what a killed run left behind.
 *
 * Without CAP_NET_ADMIN (namespaces or links cannot be made) every "host" is the loopback.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);
const PREFIX = "cqmh";

export interface HostNode {
  name: string;
  /** Where this host's services listen and where others reach them. */
  address: string;
  /** Prepended to a command to run it on this host (`ip netns exec <ns>`), or nothing. */
  wrap: string[];
}

export interface Hosts {
  mode: "netns" | "loopback";
  /** Why namespaces could not be used, when mode is loopback. */
  reason?: string;
  /** The machine's own address on the segment: services the test runs listen here. */
  machineAddress: string;
  node(name: string): HostNode;
  close(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run("ip", args);
}

async function ipOutput(...args: string[]): Promise<string> {
  return (await run("ip", args)).stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Best effort: removes namespaces and machine-side veths of earlier runs whose pid is gone. */
export async function sweepStale(): Promise<void> {
  const pattern = new RegExp(`^${PREFIX}(\\d+)`);
  const namespaces = await ipOutput("netns", "list").catch(() => "");
  for (const line of namespaces.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const match = pattern.exec(name);
    if (match && !alive(Number(match[1]))) await ip("netns", "del", name).catch(() => {});
  }
  const links = await ipOutput("-o", "link", "show").catch(() => "");
  for (const line of links.split("\n")) {
    const name = (line.split(": ")[1] ?? "").split("@")[0] ?? "";
    const match = pattern.exec(name);
    if (match && !alive(Number(match[1]))) await ip("link", "del", name).catch(() => {});
  }
}

/** A /24 of 198.18.0.0/15 that no interface of the machine uses yet. */
async function freeSubnet(): Promise<string> {
  const used = await ipOutput("-o", "-4", "addr", "show");
  for (let i = 0; i < 512; i++) {
    const index = (process.pid + i) % 512;
    const subnet = `198.${18 + (index >> 8)}.${index & 255}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
  throw new Error("no free /24 in 198.18.0.0/15");
}

/**
 * One namespace per named host; `names` fixes the order of addresses (.11, .12, ...).
 * Falls back to loopback when the first namespace cannot be made.
 */
export async function createHosts(names: readonly string[]): Promise<Hosts> {
  await sweepStale();
  const tag = `${PREFIX}${process.pid}`;
  const lan = `${tag}-lan`;
  const machineLink = tag;
  try {
    await ip("netns", "add", lan);
  } catch (error) {
    return loopbackHosts(reasonOf(error));
  }
  const created = [lan];
  const close = async () => {
    await ip("link", "del", machineLink).catch(() => {});
    for (const ns of created.reverse()) await ip("netns", "del", ns).catch(() => {});
  };
  try {
    const subnet = await freeSubnet();
    await ip("-n", lan, "link", "add", "br0", "type", "bridge");
    await ip("-n", lan, "link", "set", "br0", "up");
    await ip(
      "link",
      "add",
      "name",
      machineLink,
      "type",
      "veth",
      "peer",
      "name",
      "port-0",
      "netns",
      lan,
    );
    await ip("-n", lan, "link", "set", "port-0", "master", "br0");
    await ip("-n", lan, "link", "set", "port-0", "up");
    await ip("addr", "add", `${subnet}.1/24`, "dev", machineLink);
    await ip("link", "set", machineLink, "up");
    const nodes = new Map<string, HostNode>();
    for (const [i, name] of names.entries()) {
      const ns = `${tag}-${name}`;
      await ip("netns", "add", ns);
      created.push(ns);
      const port = `port-${i + 1}`;
      await ip(
        "link",
        "add",
        "name",
        "eth0",
        "netns",
        ns,
        "type",
        "veth",
        "peer",
        "name",
        port,
        "netns",
        lan,
      );
      await ip("-n", lan, "link", "set", port, "master", "br0");
      await ip("-n", lan, "link", "set", port, "up");
      const address = `${subnet}.${11 + i}`;
      await ip("-n", ns, "addr", "add", `${address}/24`, "dev", "eth0");
      await ip("-n", ns, "link", "set", "eth0", "up");
      await ip("-n", ns, "link", "set", "lo", "up");
      nodes.set(name, { name, address, wrap: ["ip", "netns", "exec", ns] });
    }
    return {
      mode: "netns",
      machineAddress: `${subnet}.1`,
      node(name) {
        const node = nodes.get(name);
        if (!node) throw new Error(`no host named ${name}`);
        return node;
      },
      close,
    };
  } catch (error) {
    // `ip netns add` may pass where creating links does not (CAP_SYS_ADMIN without CAP_NET_ADMIN).
    await close();
    return loopbackHosts(reasonOf(error));
  }
}

function reasonOf(error: unknown): string {
  return ((error as { stderr?: string }).stderr || String(error)).trim().split("\n")[0] ?? "";
}

function loopbackHosts(reason: string): Hosts {
  return {
    mode: "loopback",
    reason,
    machineAddress: "127.0.0.1",
    node: (name) => ({ name, address: "127.0.0.1", wrap: [] }),
    close: async () => {},
  };
}
