import { randomUUID } from "node:crypto";
import { failRequest, verifyAuditLog } from "@certq/core";
import {
  type AuditAction,
  type AuditLogRow,
  accessTokens,
  auditLog,
  certificateAuthorities,
  certificateProfiles,
  certificateRequests,
  certificates,
} from "@certq/db";
import { asc, eq, gt } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, waitForRequest, waitForRequestJob } from "./fixtures";
import { type ApiResponse, createHarness, type Harness } from "./harness";

let h: Harness;
/** The token every audited call here is made with, and its ID. */
let actor: string;
let actorId: string;
/** May poll, may not read keys: polling with it logs no key read. */
let reader: string;

beforeAll(async () => {
  h = await createHarness({ streamAudit: true, attempts: 2 });
  const res = await h.request<{ token: { id: string }; value: string }>("POST", "/api/v1/tokens", {
    body: { name: "audit actor", scopes: ["admin"] },
  });
  actor = res.body.value;
  actorId = res.body.token.id;
  reader = await h.token(["certificates:read"]);
  // A test-only refusal list: a trigger of this database raises on the audit insert of any
  // action listed, so the action's own transaction must roll back with it.
  await h.db.sql.unsafe(`
    create table audit_refusals (action text primary key);
    create function audit_refuse() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from audit_refusals where action = new.action) then
        raise exception 'audit insert refused for %', new.action;
      end if;
      return new;
    end $$;
    create trigger audit_refuse before insert on audit_log
      for each row execute function audit_refuse();`);
});
afterAll(() => h.close());

const lastSeq = async () => {
  const [row] = await h.db.sql<{ seq: string | null }[]>`select max(seq) as seq from audit_log`;
  return Number(row?.seq ?? 0);
};
const rowsAfter = (seq: number): Promise<AuditLogRow[]> =>
  h.db.db.select().from(auditLog).where(gt(auditLog.seq, seq)).orderBy(asc(auditLog.seq));

/** Runs `act` through the API as the actor and returns the audit rows it left. */
async function audited<T>(
  act: (headers: Record<string, string>) => Promise<ApiResponse<T>>,
  expectedStatus = 200,
) {
  const before = await lastSeq();
  const requestId = `audit-${randomUUID()}`;
  const res = await act({ "x-request-id": requestId });
  expect(res.status, res.text).toBe(expectedStatus);
  return { rows: await rowsAfter(before), requestId, res };
}

function expectOneRow(
  rows: AuditLogRow[],
  expected: { action: AuditAction; targetType: string; targetId?: string; requestId: string },
) {
  expect(rows.map((r) => r.action)).toEqual([expected.action]);
  expect(rows[0]).toMatchObject({
    tokenId: actorId,
    tokenName: "audit actor",
    targetType: expected.targetType,
    requestId: expected.requestId,
    sourceAddress: null,
    outcome: "success",
    ...(expected.targetId ? { targetId: expected.targetId } : {}),
  });
  return rows[0] as AuditLogRow;
}

const INTERMEDIATE = {
  type: "intermediate",
  commonName: "Audit Issuing CA",
  keyAlgorithm: "EC_prime256v1",
};

describe("every audited action leaves exactly one row, with who, what and which request", () => {
  let caId: string;
  let profileId: string;

  it("ca.created, ca.disabled, ca.enabled", async () => {
    const created = await audited((headers) =>
      h.request<{ certificateAuthority: { id: string } }>("POST", "/api/v1/pki/ca", {
        token: actor,
        headers,
        body: { type: "root", commonName: "Audit Root", keyAlgorithm: "EC_prime256v1" },
      }),
    );
    caId = created.res.body.certificateAuthority.id;
    expectOneRow(created.rows, {
      action: "ca.created",
      targetType: "ca",
      targetId: caId,
      requestId: created.requestId,
    });
    expect(created.rows[0]?.details).toMatchObject({ type: "root", commonName: "Audit Root" });

    for (const [status, action] of [
      ["disabled", "ca.disabled"],
      ["active", "ca.enabled"],
    ] as const) {
      const changed = await audited((headers) =>
        h.request("PATCH", `/api/v1/pki/ca/${caId}`, { token: actor, headers, body: { status } }),
      );
      expectOneRow(changed.rows, {
        action,
        targetType: "ca",
        targetId: caId,
        requestId: changed.requestId,
      });
    }
  });

  it("ca.intermediate_signed and ca.certificate_imported", async () => {
    const inter = await h.request<{ certificateAuthority: { id: string } }>(
      "POST",
      "/api/v1/pki/ca",
      {
        body: INTERMEDIATE,
      },
    );
    const interId = inter.body.certificateAuthority.id;
    const csr = (await h.request<{ csr: string }>("GET", `/api/v1/pki/ca/${interId}/csr`)).body.csr;
    const signing = await audited((headers) =>
      h.request<{ certificate: string; certificateChain: string }>(
        "POST",
        `/api/v1/pki/ca/${caId}/sign-intermediate`,
        {
          token: actor,
          headers,
          body: { csr, notAfter: new Date(Date.now() + 86_400_000).toISOString() },
        },
      ),
    );
    const { certificate, certificateChain } = signing.res.body;
    expectOneRow(signing.rows, {
      action: "ca.intermediate_signed",
      targetType: "ca",
      targetId: caId,
      requestId: signing.requestId,
    });
    const imported = await audited((headers) =>
      h.request("POST", `/api/v1/pki/ca/${interId}/import-certificate`, {
        token: actor,
        headers,
        body: { certificate, certificateChain },
      }),
    );
    expectOneRow(imported.rows, {
      action: "ca.certificate_imported",
      targetType: "ca",
      targetId: interId,
      requestId: imported.requestId,
    });
  });

  it("profile.created, profile.updated, profile.deleted; a webhook secret's generation", async () => {
    const body = {
      slug: "audit-profile",
      caId,
      defaults: { ttl: "30d", keyAlgorithm: "EC_prime256v1" },
      policy: { commonName: ["*.example.test"] },
    };
    const created = await audited((headers) =>
      h.request<{ certificateProfile: { id: string } }>(
        "POST",
        "/api/v1/cert-manager/certificate-profiles",
        { token: actor, headers, body },
      ),
    );
    profileId = created.res.body.certificateProfile.id;
    expectOneRow(created.rows, {
      action: "profile.created",
      targetType: "profile",
      targetId: profileId,
      requestId: created.requestId,
    });

    const updated = await audited((headers) =>
      h.request("PATCH", `/api/v1/cert-manager/certificate-profiles/${profileId}`, {
        token: actor,
        headers,
        body: { description: "changed" },
      }),
    );
    expectOneRow(updated.rows, {
      action: "profile.updated",
      targetType: "profile",
      targetId: profileId,
      requestId: updated.requestId,
    });
    expect(updated.rows[0]?.details).toEqual({ changed: ["description"] });

    // Adding a webhook generates its secret (there is no other way to get a new one): two
    // actions, two rows, and neither holds the secret.
    const withHook = await audited((headers) =>
      h.request<{ certificateProfile: { webhookSecret: string } }>(
        "PATCH",
        `/api/v1/cert-manager/certificate-profiles/${profileId}`,
        { token: actor, headers, body: { webhookUrl: "https://hooks.example.test/certq" } },
      ),
    );
    expect(withHook.rows.map((r) => r.action)).toEqual([
      "profile.updated",
      "profile.webhook_secret_generated",
    ]);
    const secret = withHook.res.body.certificateProfile.webhookSecret;
    expect(secret).toMatch(/^whsec_/);
    expect(JSON.stringify(withHook.rows)).not.toContain(secret);

    const other = await createProfile(h, caId);
    const deleted = await audited((headers) =>
      h.request("DELETE", `/api/v1/cert-manager/certificate-profiles/${other}`, {
        token: actor,
        headers,
      }),
    );
    expectOneRow(deleted.rows, {
      action: "profile.deleted",
      targetType: "profile",
      targetId: other,
      requestId: deleted.requestId,
    });
  });

  it("token.created and token.deleted, never with the token's value", async () => {
    const created = await audited(
      (headers) =>
        h.request<{ token: { id: string }; value: string }>("POST", "/api/v1/tokens", {
          token: actor,
          headers,
          body: { name: "short-lived", scopes: ["certificates:read"] },
        }),
      201,
    );
    const tokenId = created.res.body.token.id;
    expectOneRow(created.rows, {
      action: "token.created",
      targetType: "token",
      targetId: tokenId,
      requestId: created.requestId,
    });
    expect(JSON.stringify(created.rows)).not.toContain(created.res.body.value);
    const deleted = await audited((headers) =>
      h.request("DELETE", `/api/v1/tokens/${tokenId}`, { token: actor, headers }),
    );
    expectOneRow(deleted.rows, {
      action: "token.deleted",
      targetType: "token",
      targetId: tokenId,
      requestId: deleted.requestId,
    });
  });

  it("certificate_request.failed, by the system, when the worker fails a request", async () => {
    const submitted = await submit(h, { profileId, commonName: "fail.example.test" });
    const requestId = submitted.body.certificateRequestId;
    // Disabled before any worker runs: the worker must fail it permanently.
    await h.db.db
      .update(certificateAuthorities)
      .set({ status: "disabled" })
      .where(eq(certificateAuthorities.id, caId));
    const before = await lastSeq();
    await h.startWorker(4);
    expect((await waitForRequest(h, requestId, reader)).status).toBe("failed");
    await h.db.db
      .update(certificateAuthorities)
      .set({ status: "active" })
      .where(eq(certificateAuthorities.id, caId));
    const rows = await rowsAfter(before);
    expect(rows.map((r) => r.action)).toEqual(["certificate_request.failed"]);
    expect(rows[0]).toMatchObject({
      tokenId: null,
      tokenName: null,
      targetType: "certificate_request",
      targetId: requestId,
      outcome: "failure",
    });
  });

  let serialNumber: string;
  let certificateId: string;
  let issuedRequestId: string;
  it("certificate.issued, by the system, naming the certificate and its request", async () => {
    const before = await lastSeq();
    const submitted = await submit(h, { profileId, commonName: "issued.example.test" });
    const requestId = submitted.body.certificateRequestId;
    issuedRequestId = requestId;
    const request = await waitForRequest(h, requestId, reader);
    expect(request.status).toBe("issued");
    serialNumber = request.serialNumber as string;
    certificateId = request.certificateId as string;
    const rows = await rowsAfter(before);
    expect(rows.map((r) => r.action)).toEqual(["certificate.issued"]);
    expect(rows[0]).toMatchObject({
      tokenId: null,
      targetType: "certificate",
      targetId: certificateId,
      details: { serialNumber, certificateRequestId: requestId },
    });
    const admin = await h.db.db.query.accessTokens.findFirst({
      where: eq(accessTokens.name, "admin (CERTQ_ADMIN_TOKEN)"),
    });
    expect(rows[0]?.details.submittedBy).toBe(admin?.id);
  });

  it("certificate.private_key_read: one row per read, holding no key; so do the log lines", async () => {
    const logsBefore = h.logs.length;
    const keyRead = await audited((headers) =>
      h.request("GET", `/api/v1/pki/certificates/${serialNumber}/private-key`, {
        token: actor,
        headers,
      }),
    );
    expectOneRow(keyRead.rows, {
      action: "certificate.private_key_read",
      targetType: "certificate",
      targetId: certificateId,
      requestId: keyRead.requestId,
    });
    const pem = JSON.parse(keyRead.res.text) as string;
    expect(pem).toContain("PRIVATE KEY");

    // The poll returns the key to a token that may read keys: that is a read too.
    const polled = await audited((headers) =>
      h.request(
        "GET",
        `/api/v1/cert-manager/certificates/certificate-requests/${issuedRequestId}`,
        { token: actor, headers },
      ),
    );
    expectOneRow(polled.rows, {
      action: "certificate.private_key_read",
      targetType: "certificate",
      targetId: certificateId,
      requestId: polled.requestId,
    });
    expect(polled.rows[0]?.details).toMatchObject({ via: "certificate-request" });

    const keyBase64 = pem.replace(/-----[^-]+-----|\s/g, "");
    const stored = JSON.stringify([...keyRead.rows, ...polled.rows]);
    const logged = h.logs.slice(logsBefore).join("");
    for (const text of [stored, logged]) {
      expect(text).not.toContain("PRIVATE KEY");
      expect(text).not.toContain(keyBase64.slice(0, 40));
      expect(text).not.toContain(keyBase64.slice(-40));
    }
    // CERTQ_AUDIT_LOG_STREAM: each committed row is a JSON line, after its commit.
    const streamed = h.logs
      .slice(logsBefore)
      .map((line) => JSON.parse(line) as { audit?: boolean; seq?: number; hash?: string })
      .filter((line) => line.audit === true);
    expect(streamed.map((line) => [line.seq, line.hash])).toEqual(
      [...keyRead.rows, ...polled.rows].map((row) => [row.seq, row.hash]),
    );
  });

  it("the v3 issue call that returns a key logs one key read, beside the issuance", async () => {
    const before = await lastSeq();
    const res = await h.request<{ privateKey: string; certificateId: string }>(
      "POST",
      "/api/v3/pki/certificates/issue-certificate",
      {
        token: actor,
        body: {
          profileId,
          commonName: "v3.example.test",
          ttl: "1d",
          signatureAlgorithm: "ECDSA-SHA256",
          keyAlgorithm: "EC_prime256v1",
        },
      },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.privateKey).toContain("PRIVATE KEY");
    const rows = await rowsAfter(before);
    expect(rows.map((r) => r.action).sort()).toEqual([
      "certificate.issued",
      "certificate.private_key_read",
    ]);
  });

  it("certificate.revoked", async () => {
    const revoked = await audited((headers) =>
      h.request("POST", `/api/v1/pki/certificates/${serialNumber}/revoke`, {
        token: actor,
        headers,
        body: { revocationReason: "KEY_COMPROMISE" },
      }),
    );
    expectOneRow(revoked.rows, {
      action: "certificate.revoked",
      targetType: "certificate",
      targetId: certificateId,
      requestId: revoked.requestId,
    });
    expect(revoked.rows[0]?.details).toMatchObject({ serialNumber, reason: "KEY_COMPROMISE" });
  });

  it("organization certificates: uploaded, renamed, deactivated, activated, deleted", async () => {
    const other = await createRootCa(h, "EC_prime256v1", "Uploaded Elsewhere");
    const uploaded = await audited((headers) =>
      h.request<{ id: string }>("POST", "/v1/organization/certificates", {
        token: actor,
        headers,
        body: { name: "theirs", content: other.certificate },
      }),
    );
    const row = expectOneRow(uploaded.rows, {
      action: "certificate.uploaded",
      targetType: "uploaded_certificate",
      requestId: uploaded.requestId,
    });
    const id = uploaded.res.body.id;
    const steps = [
      ["POST", `/v1/organization/certificates/${id}`, { name: "renamed" }, "certificate.renamed"],
      [
        "POST",
        "/v1/organization/certificates/activate",
        { certificate_ids: [id] },
        "certificate.activated",
      ],
      [
        "POST",
        "/v1/organization/certificates/deactivate",
        { certificate_ids: [id] },
        "certificate.deactivated",
      ],
      ["DELETE", `/v1/organization/certificates/${id}`, undefined, "certificate.deleted"],
    ] as const;
    for (const [method, path, body, action] of steps) {
      const step = await audited((headers) =>
        h.request(method, path, { token: actor, headers, body }),
      );
      expectOneRow(step.rows, {
        action,
        targetType: "uploaded_certificate",
        targetId: row.targetId,
        requestId: step.requestId,
      });
    }
  });

  it("the chain of everything above is intact", async () => {
    const report = await verifyAuditLog(h.db.db);
    expect(report.problems).toEqual([]);
    expect(report.rows).toBe(await lastSeq());
  });
});

describe("no action without its row: a failing audit insert rolls the action back", () => {
  async function refusing<T>(action: AuditAction, work: () => Promise<T>): Promise<T> {
    await h.db.sql`insert into audit_refusals (action) values (${action})`;
    try {
      return await work();
    } finally {
      await h.db.sql`delete from audit_refusals where action = ${action}`;
    }
  }
  let caId: string;
  beforeAll(async () => {
    caId = (await createRootCa(h, "EC_prime256v1", "Refusal Root")).id;
  });

  const count = (table: Parameters<typeof h.db.db.$count>[0]) => h.db.db.$count(table);

  it.each([
    [
      "token.created",
      async () => {
        const res = await h.request("POST", "/api/v1/tokens", {
          body: { name: "never stored", scopes: ["certificates:read"] },
        });
        return {
          res,
          left: await h.db.db.$count(accessTokens, eq(accessTokens.name, "never stored")),
        };
      },
    ],
    [
      "ca.created",
      async () => {
        const before = await count(certificateAuthorities);
        const res = await h.request("POST", "/api/v1/pki/ca", {
          body: { type: "root", commonName: "Never", keyAlgorithm: "EC_prime256v1" },
        });
        return { res, left: (await count(certificateAuthorities)) - before };
      },
    ],
    [
      "ca.disabled",
      async () => {
        const res = await h.request("PATCH", `/api/v1/pki/ca/${caId}`, {
          body: { status: "disabled" },
        });
        const [ca] = await h.db.db
          .select()
          .from(certificateAuthorities)
          .where(eq(certificateAuthorities.id, caId));
        return { res, left: ca?.status === "disabled" ? 1 : 0 };
      },
    ],
    [
      "profile.created",
      async () => {
        const res = await h.request("POST", "/api/v1/cert-manager/certificate-profiles", {
          body: { slug: "never-stored", caId, policy: {} },
        });
        return {
          res,
          left: await h.db.db.$count(
            certificateProfiles,
            eq(certificateProfiles.slug, "never-stored"),
          ),
        };
      },
    ],
  ] as const)("%s", async (action, act) => {
    const before = await lastSeq();
    const { res, left } = await refusing(action, act);
    expect(res.status, res.text).toBe(500);
    expect(left).toBe(0);
    expect(await rowsAfter(before)).toEqual([]);
  });

  it("token.deleted, profile.deleted, certificate.revoked", async () => {
    const tokenRes = await h.request<{ token: { id: string } }>("POST", "/api/v1/tokens", {
      body: { name: "kept", scopes: ["certificates:read"] },
    });
    const tokenId = tokenRes.body.token.id;
    const profileId = await createProfile(h, caId);
    const submitted = await submit(h, { profileId, commonName: "kept.example.test" });
    const issued = await waitForRequest(h, submitted.body.certificateRequestId, reader);
    const other = await createProfile(h, caId);
    const before = await lastSeq();

    await refusing("token.deleted", async () => {
      expect((await h.request("DELETE", `/api/v1/tokens/${tokenId}`)).status).toBe(500);
    });
    expect(await h.db.db.$count(accessTokens, eq(accessTokens.id, tokenId))).toBe(1);

    await refusing("profile.deleted", async () => {
      const res = await h.request("DELETE", `/api/v1/cert-manager/certificate-profiles/${other}`);
      expect(res.status, res.text).toBe(500);
    });
    expect(await h.db.db.$count(certificateProfiles, eq(certificateProfiles.id, other))).toBe(1);

    await refusing("certificate.revoked", async () => {
      const res = await h.request(
        "POST",
        `/api/v1/pki/certificates/${issued.serialNumber}/revoke`,
        {
          body: { revocationReason: "SUPERSEDED" },
        },
      );
      expect(res.status, res.text).toBe(500);
    });
    const [cert] = await h.db.db
      .select()
      .from(certificates)
      .where(eq(certificates.serialNumber, issued.serialNumber as string));
    expect(cert?.status).toBe("active");
    expect(await rowsAfter(before)).toEqual([]);
  });

  it("a private key is not returned when its read cannot be logged", async () => {
    const profileId = await createProfile(h, caId);
    const submitted = await submit(h, { profileId, commonName: "secret.example.test" });
    const issued = await waitForRequest(h, submitted.body.certificateRequestId, reader);
    const before = await lastSeq();
    const res = await refusing("certificate.private_key_read", () =>
      h.request("GET", `/api/v1/pki/certificates/${issued.serialNumber}/private-key`),
    );
    expect(res.status, res.text).toBe(500);
    expect(res.text).not.toContain("PRIVATE KEY");
    expect(await rowsAfter(before)).toEqual([]);
  });

  it("certificate.issued: the worker's batch stores no certificate without its row", async () => {
    const profileId = await createProfile(h, caId);
    const before = await lastSeq();
    const submitted = await refusing("certificate.issued", async () => {
      const res = await submit(h, { profileId, commonName: "refused.example.test" });
      // Every attempt's statement fails, so the last attempt fails the request (with its row).
      await waitForRequestJob(h, res.body.certificateRequestId);
      return res;
    });
    const requestId = submitted.body.certificateRequestId;
    expect(await h.db.db.$count(certificates, eq(certificates.requestId, requestId))).toBe(0);
    const rows = await rowsAfter(before);
    expect(rows.map((r) => [r.action, r.targetId])).toEqual([
      ["certificate_request.failed", requestId],
    ]);
  });

  it("certificate_request.failed: the request stays pending without its row", async () => {
    const profileId = await createProfile(h, caId);
    const [request] = await h.db.db
      .insert(certificateRequests)
      .values({ profileId, caId, kind: "generate-key", params: {}, requestHash: "h" })
      .returning();
    const requestId = request?.id as string;
    const before = await lastSeq();
    await refusing("certificate_request.failed", async () => {
      await expect(failRequest({ ctx: h.ctx, requestId, errorMessage: "refused" })).rejects.toThrow(
        /audit insert refused/,
      );
    });
    const [after] = await h.db.db
      .select()
      .from(certificateRequests)
      .where(eq(certificateRequests.id, requestId));
    expect(after?.status).toBe("pending");
    expect(await rowsAfter(before)).toEqual([]);
    expect(await failRequest({ ctx: h.ctx, requestId, errorMessage: "now" })).toBe(true);
    expect((await rowsAfter(before)).map((r) => r.action)).toEqual(["certificate_request.failed"]);
  });
});

describe("concurrent writers", () => {
  it("many parallel audited actions and issuances extend one intact chain", async () => {
    const before = await lastSeq();
    const caId = (await createRootCa(h, "EC_prime256v1", "Concurrent Root")).id;
    const profileId = await createProfile(h, caId);
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) =>
        h.request("POST", "/api/v1/tokens", {
          body: { name: `parallel ${i}`, scopes: ["certificates:read"] },
        }),
      ),
      ...Array.from({ length: 20 }, (_, i) =>
        submit(h, { profileId, commonName: `c${i}.example.test` }).then((res) =>
          waitForRequest(h, res.body.certificateRequestId, reader),
        ),
      ),
    ]);
    expect(results).toHaveLength(40);
    const rows = await rowsAfter(before);
    const actions = rows.map((r) => r.action);
    expect(actions.filter((a) => a === "token.created")).toHaveLength(20);
    expect(actions.filter((a) => a === "certificate.issued")).toHaveLength(20);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => before + i + 1));
    expect((await verifyAuditLog(h.db.db)).problems).toEqual([]);
  });
});
