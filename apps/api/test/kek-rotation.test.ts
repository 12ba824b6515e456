import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createCipheriv, randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  checkKeyRing,
  createCaSignerCache,
  rewrapStoredKeys,
  SEALED_COLUMNS,
  sealCertificateKey,
} from "@certq/core";
import { certificates } from "@certq/db";
import {
  createKeyRing,
  generateKeyPair,
  type KeyRing,
  kekId,
  openPrivateKey,
  sealedKekId,
} from "@certq/pki";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest, waitForRequestJob } from "./fixtures";
import { createHarness, type Harness } from "./harness";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const SEEDED = 1_000;

/** A version 0x01 envelope, from the documented layout: what certq stored before key rings. */
function sealV1(kek: Buffer, plaintext: Buffer, aad: string): Buffer {
  const gcm = (key: Buffer, data: Buffer) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(aad));
    return Buffer.concat([iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  };
  const dek = randomBytes(32);
  return Buffer.concat([Buffer.from([0x01]), gcm(kek, dek), gcm(dek, plaintext)]);
}

/**
 * Stores `count` certificate rows whose keys are sealed under `oldKey`, half in the old 0x01
 * envelope and half in 0x02, straight into the table (issuing 1,000 through the queue would
 * only slow the test). Returns each row's PKCS#8 key to compare with after rotation.
 */
async function seedKeys(h: Harness, oldKey: Buffer, caId: string, count: number) {
  const oldRing = createKeyRing(oldKey);
  const plaintexts = new Map<string, Buffer>();
  const rows = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const { privateKeyPkcs8 } = await generateKeyPair("EC_prime256v1");
    plaintexts.set(id, privateKeyPkcs8);
    rows.push({
      id,
      caId,
      serialNumber: randomBytes(20).toString("hex"),
      name: `seeded-${i}`,
      keyAlgorithm: "EC_prime256v1",
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
      certificate: "(seeded: only its key matters here)",
      certificateChain: "",
      encryptedPrivateKey:
        i % 2 === 0
          ? sealV1(oldKey, privateKeyPkcs8, `certificate:${id}`)
          : sealCertificateKey(oldRing, id, privateKeyPkcs8),
    });
  }
  for (let i = 0; i < rows.length; i += 250) {
    await h.db.db.insert(certificates).values(rows.slice(i, i + 250));
  }
  return plaintexts;
}

/** Every stored envelope, by table: what rotation must keep openable. */
async function storedEnvelopes(h: Harness) {
  const out: { table: string; id: string; sealed: Buffer; aad: string }[] = [];
  for (const column of SEALED_COLUMNS) {
    const rows = await h.db.db.execute<{ id: string; sealed: Buffer }>(
      sql`select ${column.sql.id} as id, ${column.sql.table}.${column.sql.column} as sealed from ${column.sql.table} where ${column.sql.table}.${column.sql.column} is not null`,
    );
    for (const row of rows) {
      out.push({ table: column.table, id: row.id, sealed: row.sealed, aad: column.aad(row.id) });
    }
  }
  return out;
}

/** Opens every stored envelope with `ring`; returns the plaintexts by row ID. */
async function openEverything(h: Harness, ring: KeyRing) {
  const opened = new Map<string, Buffer>();
  for (const e of await storedEnvelopes(h)) {
    try {
      opened.set(e.id, openPrivateKey({ kek: ring, sealed: e.sealed, aad: e.aad }));
    } catch (error) {
      throw new Error(`${e.table} ${e.id} does not open: ${(error as Error).message}`);
    }
  }
  return opened;
}

async function countUnder(h: Harness, id: string) {
  return (await storedEnvelopes(h)).filter((e) => sealedKekId(e.sealed) === id).length;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string[];
  stderr: string;
}

/** `npm run kek:rewrap` as an operator runs it: its own process, its output read line by line. */
function startRewrap(env: Record<string, string>, batchSize: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "apps/worker/src/kek-rewrap.ts", "--batch-size", String(batchSize)],
    { cwd: root, env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn", ...env } },
  );
  const stdout: string[] = [];
  let stderr = "";
  const waiters: {
    test: (line: string) => boolean;
    resolve: () => void;
    reject: (error: Error) => void;
  }[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    stdout.push(line);
    for (const w of waiters.filter((w) => w.test(line))) w.resolve();
  });
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<RunResult>((resolve) =>
    child.on("close", (code, signal) => {
      for (const w of waiters)
        w.reject(new Error(`exited first:\n${stdout.join("\n")}\n${stderr}`));
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    child,
    done,
    /** Resolves once a line on stdout matches. */
    line: (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.some((l) => pattern.test(l))) resolve();
        else waiters.push({ test: (l) => pattern.test(l), resolve, reject });
      }),
  };
}

function totals(result: RunResult) {
  const line = result.stdout.find((l) => l.startsWith("total: ")) ?? "";
  const m = /^total: (\d+) \((\d+) re-wrapped, (\d+) already current, (\d+) not under KEK/.exec(
    line,
  );
  if (!m) throw new Error(`no total line: ${result.stdout.join("\n")}\n${result.stderr}`);
  const [total, rewrapped, alreadyCurrent, remaining] = m.slice(1).map(Number);
  return {
    total: total ?? 0,
    rewrapped: rewrapped ?? 0,
    alreadyCurrent: alreadyCurrent ?? 0,
    remaining: remaining ?? 0,
  };
}

const b64 = (key: Buffer) => key.toString("base64");

/** Resolves once some backend of this database waits on a row lock; returns its pid. */
async function lockWaiter(h: Harness): Promise<number> {
  for (;;) {
    const rows = await h.db.sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`;
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("KEK rotation while issuance runs", () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let h: Harness;
  let seeded: Map<string, Buffer>;
  let profileId: string;
  const before: string[] = [];

  beforeAll(async () => {
    h = await createHarness({ kek: createKeyRing(oldKey) });
    await h.startWorker(4);
    const ca = await createRootCa(h, "EC_prime256v1");
    profileId = await createProfile(h, ca.id, { webhookUrl: "https://hooks.example.test/certq" });
    for (let i = 0; i < 3; i++) {
      const res = await submit(h, { profileId, commonName: `old-${i}.example.test` });
      before.push(res.body.certificateRequestId);
      expect((await waitForRequest(h, res.body.certificateRequestId)).status).toBe("issued");
    }
    const eab = await h.request(
      "POST",
      `/api/v1/cert-manager/certificate-profiles/${profileId}/acme/eab-keys`,
      {
        body: { name: "rotation" },
      },
    );
    expect(eab.status, eab.text).toBe(201);
    seeded = await seedKeys(h, oldKey, ca.id, SEEDED);
  }, 180_000);
  afterAll(() => h.close());

  it("re-wraps 1,000 stored keys under the new KEK while certificates are issued; every key then opens with the new KEK alone", async () => {
    const stored = SEEDED + 3 + 1 + 1 + 1; // seeded, issued, the CA's key, the webhook secret, an EAB key
    expect(await countUnder(h, kekId(oldKey))).toBe(stored - SEEDED / 2);
    // The processes restart with the new key current and the old one in CERTQ_KEK_PREVIOUS.
    const ring = createKeyRing(newKey, [oldKey]);
    h.ctx.kek = ring;
    h.ctx.signers = createCaSignerCache(ring);

    const during: string[] = [];
    const batchesSeen: string[] = [];
    const report = await rewrapStoredKeys({
      ctx: h.ctx,
      batchSize: 50,
      onBatch: async ({ table }) => {
        batchesSeen.push(table);
        // Issuance runs between the CA's key being re-wrapped and the certificates' walk,
        // and goes on through it: 40 requests through the queue, the first one awaited here.
        if (table === "certificate_authorities") {
          for (let i = 0; i < 40; i++) {
            const res = await submit(h, { profileId, commonName: `during-${i}.example.test` });
            during.push(res.body.certificateRequestId);
          }
          await waitForRequestJob(h, during[0] as string);
        }
      },
    });
    expect(report.failures).toEqual([]);
    expect(report.rewrapped).toBe(stored);
    expect(report.remaining).toBe(0);
    expect(report.tables.map((t) => [t.table, t.rewrapped])).toEqual([
      ["certificate_authorities", 1],
      ["certificates", SEEDED + 3],
      ["certificate_profiles", 1],
      ["acme_eab_keys", 1],
    ]);
    expect(batchesSeen.filter((t) => t === "certificates").length).toBe(Math.ceil(1003 / 50));

    for (const id of during) expect((await waitForRequest(h, id)).status).toBe("issued");
    // The old key is dropped: the new one alone opens every stored key, unchanged.
    const newOnly = createKeyRing(newKey);
    await expect(checkKeyRing({ db: h.db.db, kek: newOnly })).resolves.toBeUndefined();
    const opened = await openEverything(h, newOnly);
    expect(opened.size).toBe(stored + during.length);
    for (const [id, pkcs8] of seeded) expect(opened.get(id)?.equals(pkcs8), id).toBe(true);
    expect(opened.get(profileId)?.toString()).toMatch(/^whsec_/);
    for (const e of await storedEnvelopes(h)) expect(sealedKekId(e.sealed)).toBe(kekId(newKey));
    // A certificate issued before the rotation still serves its key through the API.
    const old = await waitForRequest(h, before[0] as string);
    expect(old.privateKey).toMatch(/BEGIN PRIVATE KEY/);
    // The CA signs with its re-wrapped key under the new-only ring too.
    h.ctx.kek = newOnly;
    h.ctx.signers = createCaSignerCache(newOnly);
    const after = await submit(h, { profileId, commonName: "after.example.test" });
    expect((await waitForRequest(h, after.body.certificateRequestId)).status).toBe("issued");
  });

  it("never overwrites a concurrent writer: a row changed after it was read is re-read, not clobbered", async () => {
    const third = randomBytes(32);
    const ring = createKeyRing(third, [newKey, oldKey]);
    const [target] = await h.db.sql<{ id: string }[]>`
      select id from certificates where encrypted_private_key is not null order by id limit 1`;
    if (!target) throw new Error("no certificate");
    // A process still on the previous ring re-seals this row, holding its lock while the
    // re-wrap reads the old value and then waits on that lock.
    const replacement = randomBytes(90);
    const writer = await h.db.sql.reserve();
    await writer`begin`;
    await writer`update certificates set encrypted_private_key = ${sealCertificateKey(
      createKeyRing(newKey),
      target.id,
      replacement,
    )} where id = ${target.id}`;
    const running = rewrapStoredKeys({ ctx: { db: h.db.db, kek: ring }, batchSize: 50 });
    await lockWaiter(h);
    await writer`commit`;
    writer.release();
    const report = await running;
    expect(report.failures).toEqual([]);
    expect(report.remaining).toBe(0);
    const opened = await openEverything(h, createKeyRing(third));
    expect(opened.get(target.id)?.equals(replacement)).toBe(true);
  });
});

describe("kek:rewrap as a process: killed midway, run again", () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let h: Harness;
  let seeded: Map<string, Buffer>;

  beforeAll(async () => {
    h = await createHarness({ kek: createKeyRing(oldKey) });
    const ca = await createRootCa(h, "EC_prime256v1");
    await createProfile(h, ca.id, { webhookUrl: "https://hooks.example.test/certq" });
    seeded = await seedKeys(h, oldKey, ca.id, SEEDED);
  }, 180_000);
  afterAll(() => h.close());

  it("start-up refuses a ring without the stored keys' KEK, naming its id, in one line", async () => {
    const run = promisify(execFile);
    const error = await run(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        LOG_LEVEL: "silent",
        PORT: "0",
        DATABASE_URL: h.db.url,
        CERTQ_KEK: b64(newKey),
      },
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr ?? "" }),
    );
    expect(error.code).toBe(1);
    const lines = error.stderr.trim().split("\n");
    expect(lines, error.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`stored keys are sealed under KEK ids ${kekId(oldKey)}`);
    expect(lines[0]).toContain("sealed before KEK ids existed");
    expect(lines[0]).toContain("CERTQ_KEK_PREVIOUS");
    expect(lines[0]).toContain(`configured: ${kekId(newKey)}`);
    expect(lines[0]).not.toContain(b64(newKey));

    // The re-wrap command refuses the same way, before touching anything.
    const rewrap = await startRewrap({ DATABASE_URL: h.db.url, CERTQ_KEK: b64(newKey) }, 100).done;
    expect(rewrap.code).toBe(1);
    expect(rewrap.stderr).toContain(kekId(oldKey));
    expect(await countUnder(h, kekId(newKey))).toBe(0);
  });

  it("a run killed with SIGKILL after some batches, then run again, re-wraps the same count as one uninterrupted run", async () => {
    const stored = SEEDED + 2; // seeded, the CA's key, the webhook secret
    const env = {
      DATABASE_URL: h.db.url,
      CERTQ_KEK: b64(newKey),
      CERTQ_KEK_PREVIOUS: b64(oldKey),
    };
    // A row lock on the 651st certificate holds the run inside its 7th batch of 100, so it is
    // killed there: after six committed batches, in the middle of an uncommitted one.
    const ids = await h.db.sql<{ id: string }[]>`
      select id from certificates where encrypted_private_key is not null order by id`;
    const locker = await h.db.sql.reserve();
    await locker`begin`;
    await locker`select 1 from certificates where id = ${ids[650]?.id ?? ""} for update`;

    const first = startRewrap(env, 100);
    await first.line(/^certificates: 600 re-wrapped$/);
    const blocked = await lockWaiter(h);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    expect(killed.stdout.some((l) => l.startsWith("total:"))).toBe(false);
    // What a dead client's backend comes to once Postgres notices: its open batch rolls back.
    await h.db.sql`select pg_terminate_backend(${blocked})`;
    await locker`rollback`;
    locker.release();
    const doneBeforeKill = await countUnder(h, kekId(newKey));
    expect(doneBeforeKill).toBe(1 + 600);

    const second = await startRewrap(env, 100).done;
    expect(second.code, second.stderr).toBe(0);
    const resumed = totals(second);
    expect(resumed.rewrapped).toBe(stored - doneBeforeKill);
    expect(resumed.alreadyCurrent).toBe(doneBeforeKill);
    expect(resumed.total).toBe(stored);
    expect(resumed.remaining).toBe(0);

    // One uninterrupted run over the same keys (rotating once more) counts the same.
    const third = randomBytes(32);
    const whole = await startRewrap(
      { DATABASE_URL: h.db.url, CERTQ_KEK: b64(third), CERTQ_KEK_PREVIOUS: b64(newKey) },
      100,
    ).done;
    expect(whole.code, whole.stderr).toBe(0);
    const uninterrupted = totals(whole);
    expect(uninterrupted.rewrapped).toBe(stored);
    expect(doneBeforeKill + resumed.rewrapped).toBe(uninterrupted.rewrapped);
    expect(uninterrupted.total).toBe(resumed.total);
    expect(whole.stdout).toContain("certificates: 1000 re-wrapped, 0 already current");

    const opened = await openEverything(h, createKeyRing(third));
    expect(opened.size).toBe(stored);
    for (const [id, pkcs8] of seeded) expect(opened.get(id)?.equals(pkcs8), id).toBe(true);
    // A second run with nothing left to do changes nothing and says so.
    const idle = totals(
      await startRewrap({ DATABASE_URL: h.db.url, CERTQ_KEK: b64(third) }, 100).done,
    );
    expect(idle).toEqual({ total: stored, rewrapped: 0, alreadyCurrent: stored, remaining: 0 });
  });
});
