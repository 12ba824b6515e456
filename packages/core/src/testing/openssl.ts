import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the openssl CLI, the independent verifier of everything we issue. */
export async function openssl(args: string[], cwd?: string): Promise<OpensslResult> {
  try {
    const { stdout, stderr } = await run("openssl", args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  }
}

/** A scratch directory for PEM files, removed by cleanup(). */
export async function scratchDir() {
  const dir = await mkdtemp(path.join(tmpdir(), "certq-test-"));
  return {
    dir,
    async write(name: string, content: string | Buffer) {
      const file = path.join(dir, name);
      await writeFile(file, content);
      return file;
    },
    file: (name: string) => path.join(dir, name),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
