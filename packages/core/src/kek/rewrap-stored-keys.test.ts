import { randomBytes, randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { createKeyRing, openPrivateKey } from "@certq/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caKeyAad, sealCaKey } from "../cas/ca-key";
import { sealCertificateKey } from "../certificates/certificate-key";
import { rewrapStoredKeys } from "./rewrap-stored-keys";

let database: TestDatabase;
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const caId = randomUUID();
const caKey = randomBytes(100);
let tamperedId: string;

async function insertCertificate(sealed: Buffer, id: string) {
  await database.sql`
    insert into certificates (id, ca_id, serial_number, name, key_algorithm, not_before, not_after,
      certificate, certificate_chain, encrypted_private_key)
    values (${id}, ${caId}, ${randomUUID()}, 'n', 'EC_prime256v1', now(), now(), 'c', '', ${sealed})`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const old = createKeyRing(oldKey);
  await database.sql`
    insert into certificate_authorities (id, type, status, common_name, key_algorithm, encrypted_private_key)
    values (${caId}, 'root', 'active', 'Rewrap Test Root', 'EC_prime256v1', ${sealCaKey(old, caId, caKey)})`;
  for (let i = 0; i < 3; i++) {
    const id = randomUUID();
    await insertCertificate(sealCertificateKey(old, id, randomBytes(80)), id);
  }
  tamperedId = randomUUID();
  const tampered = sealCertificateKey(old, tamperedId, randomBytes(80));
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
  await insertCertificate(tampered, tamperedId);
  // A certificate signed from a CSR has no stored key: nothing to re-wrap.
  await database.sql`
    insert into certificates (ca_id, serial_number, name, key_algorithm, not_before, not_after, certificate, certificate_chain)
    values (${caId}, 'csr-signed', 'n', 'EC_prime256v1', now(), now(), 'c', '')`;
});
afterAll(() => database?.drop());

describe("rewrapStoredKeys", () => {
  it("re-wraps what opens, names each row that does not (table and id, no key bytes), and counts it as remaining", async () => {
    const ring = createKeyRing(newKey, [oldKey]);
    const progress: string[] = [];
    const report = await rewrapStoredKeys({
      ctx: { db: database.db, kek: ring },
      batchSize: 2,
      onBatch: (p) => {
        progress.push(`${p.table} ${p.rewrapped}`);
      },
    });
    // Where the bad row falls among the batches of 2 depends on the random IDs.
    expect(progress[0]).toBe("certificate_authorities 1");
    expect(progress.at(-1)).toBe("certificates 3");
    expect(report.tables).toEqual([
      { table: "certificate_authorities", rewrapped: 1, alreadyCurrent: 0, remaining: 0 },
      { table: "certificates", rewrapped: 3, alreadyCurrent: 0, remaining: 1 },
      { table: "certificate_profiles", rewrapped: 0, alreadyCurrent: 0, remaining: 0 },
      { table: "acme_eab_keys", rewrapped: 0, alreadyCurrent: 0, remaining: 0 },
    ]);
    expect(report).toMatchObject({ rewrapped: 4, alreadyCurrent: 0, remaining: 1, total: 5 });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({ table: "certificates", id: tamperedId });
    expect(report.failures[0]?.reason).toMatch(/cannot open/);
    expect(JSON.stringify(report)).not.toContain(oldKey.toString("base64"));
    expect(JSON.stringify(report)).not.toContain(oldKey.toString("hex"));

    const [ca] = await database.sql<{ encrypted_private_key: Buffer }[]>`
      select encrypted_private_key from certificate_authorities where id = ${caId}`;
    const sealed = ca?.encrypted_private_key as Buffer;
    expect(openPrivateKey({ kek: createKeyRing(newKey), sealed, aad: caKeyAad(caId) })).toEqual(
      caKey,
    );

    // Run again: nothing more to do, the bad row still reported.
    const again = await rewrapStoredKeys({ ctx: { db: database.db, kek: ring } });
    expect(again).toMatchObject({ rewrapped: 0, alreadyCurrent: 4, remaining: 1, total: 5 });
    expect(again.failures.map((f) => f.id)).toEqual([tamperedId]);
  });
});
