import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Cleanup } from "./cleanup";

const TAIL_LINES = 40;

export interface ChildHandle {
  label: string;
  pid: number;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  tail(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a process whose output is kept (last lines only) and which cleanup will stop. */
export function startProcess(args: {
  label: string;
  command: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  cleanup: Cleanup;
}): ChildHandle {
  const child: ChildProcess = spawn(args.command, args.argv, {
    cwd: args.cwd,
    env: { ...process.env, ...args.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line.length > 500 ? `${line.slice(0, 500)}...` : line);
      if (lines.length > TAIL_LINES) lines.shift();
    }
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  const exit = once(child, "exit").then(() => {
    exited = true;
  });
  child.on("error", (error) => lines.push(`spawn error: ${error.message}`));
  if (child.pid === undefined) throw new Error(`${args.label}: could not start ${args.command}`);
  const pid = child.pid;

  const handle: ChildHandle = {
    label: args.label,
    pid,
    tail: () => lines.join("\n"),
    exited: () => exited,
    async stop(graceMs = 10_000) {
      if (exited) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(killer);
    },
  };
  args.cleanup.add(`stop ${args.label} (pid ${pid})`, () => handle.stop());
  return handle;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Polls `check` every 100 ms until it returns true; throws with `describe()` after timeoutMs. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  describe: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const detail = describe();
  throw new Error(`${what}: not ready within ${timeoutMs} ms${detail ? `\n${detail}` : ""}`);
}

/** CPU ms (user + system, all threads) a process has used, from /proc; undefined if gone or off Linux. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm) ": utime and stime are the 12th and 13th, in 1/100 s ticks.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the processes use under 5 % of a core each over a whole second (for example
 * a worker whose key pool is full), at most maxMs. Returns false when they never settled
 * or /proc is unavailable (then it has waited the full time, or not at all).
 */
export async function waitUntilIdle(pids: number[], maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  let before = pids.map(processCpuMs);
  if (before.some((c) => c === undefined)) return false;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = pids.map(processCpuMs);
    if (after.some((c) => c === undefined)) return false;
    if (after.every((c, i) => (c as number) - (before[i] as number) < 50)) return true;
    before = after;
  }
  return false;
}
