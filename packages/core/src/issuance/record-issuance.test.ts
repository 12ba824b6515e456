import { randomUUID } from "node:crypto";
import { auditLog, certificateRequests, certificates } from "@certq/db";
import { createTestDatabase, type TestDatabase } from "@certq/db/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit/verify-audit-log";
import { createIssuanceRecorder, type IssuedCertificate } from "./record-issuance";

let database: TestDatabase;
let caId: string;
let profileId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const sql = database.sql;
  const [ca] = await sql<{ id: string }[]>`
    insert into certificate_authorities (type, status, common_name, key_algorithm, encrypted_private_key)
    values ('root', 'active', 'Recorder Test Root', 'EC_prime256v1', '\\x00') returning id`;
  caId = (ca as { id: string }).id;
  const [profile] = await sql<{ id: string }[]>`
    insert into certificate_profiles (slug, ca_id) values ('recorder', ${caId}) returning id`;
  profileId = (profile as { id: string }).id;
});
afterAll(() => database?.drop());

async function pendingRequest(): Promise<string> {
  const [row] = await database.sql<{ id: string }[]>`
    insert into certificate_requests (profile_id, ca_id, kind, params, request_hash)
    values (${profileId}, ${caId}, 'generate-key', '{}'::jsonb, 'h') returning id`;
  return (row as { id: string }).id;
}

function issued(
  requestId: string,
  key: Buffer | null = Buffer.from([1, 2, 250]),
): IssuedCertificate {
  const serialNumber = randomUUID().replaceAll("-", "");
  return {
    id: randomUUID(),
    requestId,
    caId,
    profileId,
    serialNumber,
    name: `${serialNumber}.example.test`,
    commonName: `${serialNumber}.example.test`,
    altNames: [{ type: "dns_name", value: `${serialNumber}.example.test` }],
    keyAlgorithm: "EC_prime256v1",
    notBefore: new Date("2026-01-01T00:00:00.000Z"),
    notAfter: new Date("2026-02-01T00:00:00.000Z"),
    certificate: "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
    certificateChain: "",
    encryptedPrivateKey: key,
  };
}

describe("createIssuanceRecorder", () => {
  it("stores concurrent certificates together, each claiming its request", async () => {
    const record = createIssuanceRecorder(database.db);
    const requests = await Promise.all(Array.from({ length: 20 }, pendingRequest));
    const batch = requests.map((id) => issued(id));
    const audited = await Promise.all(batch.map(record));
    // Each stored certificate has its certificate.issued row, written by the same statement.
    expect(audited.map((row) => row?.targetId)).toEqual(batch.map((c) => c.id));
    expect(audited.every((row) => row?.action === "certificate.issued")).toBe(true);
    expect((await verifyAuditLog(database.db)).problems).toEqual([]);

    for (const [i, requestId] of requests.entries()) {
      const [request] = await database.db
        .select()
        .from(certificateRequests)
        .where(eq(certificateRequests.id, requestId));
      expect(request?.status).toBe("issued");
      expect(request?.certificateId).toBe(batch[i]?.id);
    }
    const [row] = await database.db
      .select()
      .from(certificates)
      .where(eq(certificates.id, batch[0]?.id as string));
    expect(row).toMatchObject({
      requestId: requests[0],
      serialNumber: batch[0]?.serialNumber,
      altNames: batch[0]?.altNames,
      notBefore: batch[0]?.notBefore,
      encryptedPrivateKey: Buffer.from([1, 2, 250]),
    });
  });

  it("stores one certificate when the same request is recorded twice at once", async () => {
    const record = createIssuanceRecorder(database.db);
    const requestId = await pendingRequest();
    const other = await pendingRequest();
    const results = await Promise.all([
      record(issued(other)),
      record(issued(requestId)),
      record(issued(requestId, null)),
    ]);
    // The two of one request land in one batch, which fails on UNIQUE(request_id); retried
    // alone, concurrently, exactly one of them claims the request.
    expect(results[0]).not.toBeNull();
    expect(results.slice(1).filter((row) => row !== null)).toHaveLength(1);
    const rows = await database.db
      .select()
      .from(certificates)
      .where(eq(certificates.requestId, requestId));
    expect(rows).toHaveLength(1);
    const auditRows = await database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, rows[0]?.id as string));
    expect(auditRows).toHaveLength(1);
  });

  it("stores nothing for a request that is no longer pending", async () => {
    const record = createIssuanceRecorder(database.db);
    const requestId = await pendingRequest();
    await database.db
      .update(certificateRequests)
      .set({ status: "failed", errorMessage: "gave up" })
      .where(eq(certificateRequests.id, requestId));
    const before = await database.db.$count(auditLog);
    expect(await record(issued(requestId))).toBeNull();
    expect(await database.db.$count(auditLog)).toBe(before);
    const rows = await database.db
      .select()
      .from(certificates)
      .where(eq(certificates.requestId, requestId));
    expect(rows).toHaveLength(0);
  });
});
