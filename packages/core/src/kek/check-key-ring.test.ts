import { randomBytes, randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { createKeyRing, kekId } from "@certq/pki";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealCaKey } from "../cas/ca-key";
import { sealCertificateKey } from "../certificates/certificate-key";
import { checkKeyRing, KeyRingMismatchError } from "./check-key-ring";
import { SEALED_COLUMNS } from "./sealed-columns";

let database: TestDatabase;
const a = randomBytes(32);
const b = randomBytes(32);
const c = randomBytes(32);
let caId: string;

async function insertCertificate(sealed: Buffer, id = randomUUID()) {
  await database.sql`
    insert into certificates (id, ca_id, serial_number, name, key_algorithm, not_before, not_after,
      certificate, certificate_chain, encrypted_private_key)
    values (${id}, ${caId}, ${randomUUID()}, 'n', 'EC_prime256v1', now(), now(), 'c', '', ${sealed})`;
  return id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  caId = randomUUID();
  await database.sql`
    insert into certificate_authorities (id, type, status, common_name, key_algorithm, encrypted_private_key)
    values (${caId}, 'root', 'active', 'Ring Test Root', 'EC_prime256v1',
      ${sealCaKey(createKeyRing(a), caId, randomBytes(100))})`;
});
afterAll(() => database?.drop());

async function mismatch(ring: ReturnType<typeof createKeyRing>): Promise<string> {
  const error = await checkKeyRing({ db: database.db, kek: ring }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyRingMismatchError);
  return (error as Error).message;
}

describe("checkKeyRing", () => {
  it("passes a ring holding every KEK the stored keys name, and names each one missing", async () => {
    for (const key of [b, c, c, b]) {
      const id = randomUUID();
      await insertCertificate(sealCertificateKey(createKeyRing(key), id, randomBytes(90)), id);
    }
    await expect(
      checkKeyRing({ db: database.db, kek: createKeyRing(a, [b, c]) }),
    ).resolves.toBeUndefined();
    const message = await mismatch(createKeyRing(b));
    const missing = [kekId(a), kekId(c)].sort().join(", ");
    expect(message).toBe(
      `certq: stored keys are sealed under KEK ids ${missing}; set CERTQ_KEK / CERTQ_KEK_PREVIOUS to include them (configured: ${kekId(b)})`,
    );
    expect(message.split("\n")).toHaveLength(1);
  });

  it("asks the index, not the table, which KEKs are stored", async () => {
    const header = SEALED_COLUMNS.find((s) => s.table === "certificates")?.sql.header;
    const plan = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return tx.execute<{ "QUERY PLAN": string }>(
        sql`explain select ${header} from certificates where ${header} > '\\x00'::bytea order by 1 limit 1`,
      );
    });
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toContain("certificates_kek_header_idx");
  });

  it("reports keys from before KEK ids that no configured key opens, and unknown envelopes", async () => {
    const id = randomUUID();
    // A version 0x01 envelope under some other key: its wrap does not open under the ring.
    const v1 = Buffer.concat([Buffer.from([0x01]), randomBytes(60 + 12 + 50 + 16)]);
    await insertCertificate(v1, id);
    await insertCertificate(Buffer.from([0x07, 1, 2, 3]));
    const message = await mismatch(createKeyRing(a, [b, c]));
    expect(message).toContain("keys in certificates sealed before KEK ids existed open under none");
    expect(message).toContain(
      "certificates.encrypted_private_key holds envelopes of unknown version 7",
    );
    expect(message).not.toContain("sealed under KEK ids");
  });
});
