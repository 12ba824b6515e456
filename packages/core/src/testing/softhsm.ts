import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { TokenOptions } from "../hsm/pkcs11-token";

const run = promisify(execFile);

/** Debian's softhsm2 package puts the module here. */
export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

export interface SoftHsmToken {
  options: TokenOptions & { tokenLabel: string };
  dir: string;
  cleanup(): Promise<void>;
}

/**
 * A fresh SoftHSM2 token in a directory of its own, initialised with softhsm2-util as an
 * operator would. SoftHSM finds its configuration through SOFTHSM2_CONF when the module is
 * initialised, so this sets it for the calling process (one test file per process).
 */
export async function createSoftHsmToken(): Promise<SoftHsmToken> {
  const dir = await mkdtemp(path.join(tmpdir(), "certq-softhsm-"));
  const tokens = path.join(dir, "tokens");
  const conf = path.join(dir, "softhsm2.conf");
  await mkdir(tokens);
  await writeFile(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  const label = `certq-${randomBytes(4).toString("hex")}`;
  const pin = randomBytes(8).toString("hex");
  await run(
    "softhsm2-util",
    ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", `${pin}so`],
    { env: { ...process.env, SOFTHSM2_CONF: conf } },
  );
  return {
    options: { modulePath: SOFTHSM_MODULE, tokenLabel: label, pin },
    dir,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
