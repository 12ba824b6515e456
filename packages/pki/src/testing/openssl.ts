// Test support only: the openssl CLI is the independent judge of what this package emits,
// so tests here may do I/O that the package itself never does.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyAlgorithm } from "../algorithms";

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

/** `openssl x509 -text`: how openssl itself reads a certificate we wrote. */
export function x509Text(pem: string): string {
  return opensslOk(["x509", "-noout", "-text"], pem);
}

/**
 * `openssl verify` at VERIFY_AT, when every certificate made with NOT_BEFORE/NOT_AFTER is
 * valid; with `crl`, revocation is checked too. The result is returned, not judged, so a test
 * can expect a failure as well.
 */
export function opensslVerify(
  caFile: string,
  certificateFile: string,
  options: { untrusted?: string; crl?: string } = {},
): OpensslResult {
  return openssl([
    "verify",
    "-attime",
    VERIFY_AT,
    ...(options.crl ? ["-crl_check", "-CRLfile", options.crl] : []),
    "-CAfile",
    caFile,
    ...(options.untrusted ? ["-untrusted", options.untrusted] : []),
    certificateFile,
  ]);
}

/** The DER PKCS#8 of a PEM key file, as openssl converts it (our issuers take only DER). */
export function opensslPkcs8(keyFile: string): Buffer {
  return opensslDer(["pkcs8", "-topk8", "-nocrypt", "-in", keyFile, "-outform", "DER"]);
}

/** A CA made by openssl and its files, usable as an issuer (the fields of a SignerInput). */
export interface OpensslRoot {
  certificatePem: string;
  privateKeyPkcs8: Buffer;
  keyAlgorithm: KeyAlgorithm;
  certificateFile: string;
  keyFile: string;
}

/**
 * A self-signed P-256 root made by openssl in `dir` (`name`.pem, `name`.key): an issuer whose
 * encoding and key usages we did not choose, so tests can reach cases our own roots never are.
 */
export function opensslRoot(
  dir: string,
  name: string,
  options: { subject?: string; keyUsage?: string; days?: number } = {},
): OpensslRoot {
  const { subject = `/CN=${name}`, keyUsage = "keyCertSign,cRLSign", days = 36500 } = options;
  const keyFile = join(dir, `${name}.key`);
  const certificateFile = join(dir, `${name}.pem`);
  opensslOk([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certificateFile,
    "-days",
    String(days),
    // Lets a subject hold a multi-valued RDN ("O=a+OU=b"), which our own names never do.
    "-multivalue-rdn",
    "-subj",
    subject,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    `keyUsage=critical,${keyUsage}`,
  ]);
  return {
    certificatePem: readFileSync(certificateFile, "utf8"),
    privateKeyPkcs8: opensslPkcs8(keyFile),
    keyAlgorithm: "EC_prime256v1",
    certificateFile,
    keyFile,
  };
}

/**
 * A CSR made by openssl with a fresh key written to `keyFile`: a request we did not encode.
 * `key` is an EC curve ("P-384") or anything `-newkey` takes ("rsa:1024", "ed25519");
 * `extensions` are `-addext` values.
 */
export function opensslCsr(
  keyFile: string,
  subject: string,
  options: { key?: string; extensions?: string[] } = {},
): string {
  const { key = "P-256", extensions = [] } = options;
  const newKey = key.startsWith("P-") ? ["ec", "-pkeyopt", `ec_paramgen_curve:${key}`] : [key];
  return opensslOk([
    "req",
    "-new",
    "-newkey",
    ...newKey,
    "-nodes",
    "-keyout",
    keyFile,
    "-subj",
    subject,
    ...extensions.flatMap((extension) => ["-addext", extension]),
  ]);
}

/**
 * openssl signs `csr` with a CA's files: for links our own code refuses to make (under a
 * non-CA, below pathLen 0) and for certificates shaped as only outside tools shape them.
 */
export function opensslSignCsr(
  csr: string,
  ca: { certificateFile: string; keyFile: string },
  options: { serial: string; days?: number; extensionsFile?: string },
): string {
  const { serial, days = 1, extensionsFile } = options;
  return opensslOk(
    [
      "x509",
      "-req",
      "-CA",
      ca.certificateFile,
      "-CAkey",
      ca.keyFile,
      "-set_serial",
      serial,
      "-days",
      String(days),
      ...(extensionsFile ? ["-extfile", extensionsFile] : []),
    ],
    csr,
  );
}
