// Test support only: the openssl CLI is the independent judge of what this package emits,
// so tests here may do I/O that the package itself never does.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function openssl(args: string[], input?: string | Buffer): OpensslResult {
  const result = spawnSync("openssl", args, { input, maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw result.error;
  return {
    code: result.status ?? -1,
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
  };
}

/** Runs openssl and fails with its output unless it exits 0. */
export function opensslOk(args: string[], input?: string | Buffer): string {
  const result = openssl(args, input);
  if (result.code !== 0) {
    throw new Error(
      `openssl ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

/** openssl's binary output (DER), for comparing keys byte for byte. */
export function opensslDer(args: string[], input?: string | Buffer): Buffer {
  const result = spawnSync("openssl", args, { input, maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`openssl ${args.join(" ")} exited ${result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

export interface Scratch {
  dir: string;
  /** Writes a file into the scratch directory and returns its path. */
  write(name: string, content: string | Buffer): string;
  read(name: string): Buffer;
  path(name: string): string;
  remove(): void;
}

/** A fresh directory under the OS temp dir; call remove() in afterAll. */
export function createScratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), "certq-pki-"));
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    read: (name) => readFileSync(join(dir, name)),
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Fixed validity for every test certificate, and the instant openssl verifies them at.
export const NOT_BEFORE = new Date("2030-01-01T00:00:00Z");
export const NOT_AFTER = new Date("2040-01-01T00:00:00Z");
export const VERIFY_AT = String(Date.UTC(2035, 0, 1) / 1000);
