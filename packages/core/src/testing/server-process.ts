import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The repository's root, where the entry points run from. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** An entry point of apps/api as a command: `main.ts` (the API) or `main-all.ts` (`npm start`). */
export function apiCommand(entry: "main.ts" | "main-all.ts"): string[] {
  return [process.execPath, "--import", "tsx", `apps/api/src/${entry}`];
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** What the API's start line (server.ts, "certq API listening") says. */
export interface ListeningLine {
  port: number;
  tls: boolean;
}

export interface ServerProcess {
  child: ChildProcess;
  listening: ListeningLine;
  /** The last lines it wrote (stdout and stderr), to show when a test fails. */
  output(): string;
  /** SIGTERM (to its process group, when started as one), then waits for the exit. */
  stop(): Promise<void>;
}

const KEPT_LINES = 200;

/**
 * Starts certq's server as a process: an entry point, or a command that runs one (npm, a
 * shell block from the README), and resolves once it logs that it listens (with TLS when
 * `tls` says so; a wrapper may start a plain server first). Rejects with its output if it
 * exits before.
 */
export async function startServerProcess(args: {
  command: string[];
  env: Record<string, string>;
  /** A process group of its own, so a wrapper's children (npm's, a shell's) stop with it. */
  group?: boolean;
  tls?: boolean;
}): Promise<ServerProcess> {
  const [file = "", ...argv] = args.command;
  const child = spawn(file, argv, {
    cwd: REPO_ROOT,
    env: args.env,
    detached: args.group ?? false,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
  };
  const output = () => lines.join("\n");
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", keep);
  const listening = await new Promise<ListeningLine>((resolve, reject) => {
    child.once("exit", (code, signal) =>
      reject(new Error(`certq exited (${code ?? signal}) before listening:\n${output()}`)),
    );
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      keep(line);
      let entry: { msg?: string; port?: number; tls?: boolean };
      try {
        entry = JSON.parse(line);
      } catch {
        return; // npm's and the shell's own lines
      }
      if (entry.msg !== "certq API listening" || !entry.port) return;
      if (args.tls !== undefined && entry.tls !== args.tls) return;
      resolve({ port: entry.port, tls: entry.tls === true });
    });
  });
  return {
    child,
    listening,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      if (args.group) process.kill(-child.pid, "SIGTERM");
      else child.kill("SIGTERM");
      await exited;
    },
  };
}
