import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultWorld } from "./process-harness";
import { TlsAclRedis } from "./redis-topologies";

const PASSWORD = "s3cret-tls-acl-password";

describe("Redis over TLS (rediss://, client certificate) with an ACL user limited to {certq}*", () => {
  let redis: TlsAclRedis;
  let world: FaultWorld;
  beforeAll(async () => {
    redis = await TlsAclRedis.start({ password: PASSWORD, keyPattern: "{certq}*" });
    world = await FaultWorld.create({ redisEnv: redis.env, prefix: "{certq}" });
  }, 90_000);
  afterAll(async () => {
    await world?.close();
    await redis?.stop();
  }, 60_000);

  it("submits, long-polls and issues, and answers the synchronous v3 issue", async () => {
    world.reportOnFailure();
    await world.startApi();
    await world.startWorker();
    const profileId = await world.createProfile();
    const submitted = await world.submit(profileId, "tls.example.test", "EC_prime256v1");
    expect(submitted.status, submitted.text).toBe(202);
    const waited = await world.call<{ status: string }>(
      "GET",
      `/api/v1/cert-manager/certificates/certificate-requests/${submitted.body.certificateRequestId}?wait=30`,
      { timeoutMs: 40_000 },
    );
    expect(waited.body.status, waited.text).toBe("issued");
    const sync = await world.call<{ certificate: string }>(
      "POST",
      "/api/v3/pki/certificates/issue-certificate",
      {
        body: {
          profileId,
          commonName: "sync-tls.example.test",
          ttl: "7d",
          keyAlgorithm: "EC_prime256v1",
          signatureAlgorithm: "ECDSA-SHA256",
        },
        timeoutMs: 40_000,
      },
    );
    expect(sync.status, sync.text).toBe(200);
  }, 120_000);

  it("stops at start with one line naming the refused login when the password is wrong", async () => {
    const { status, stderr } = await world.startApiUntilExit(redis.envWith("wrong-password"));
    expect(status.code).toBe(1);
    expect(stderr, stderr.join("\n")).toHaveLength(1);
    expect(stderr[0]).toMatch(
      /Redis at 127\.0\.0\.1:\d+ \(REDIS_URL\) refused the login: WRONGPASS.*REDIS_URL/,
    );
    expect(stderr[0]).not.toContain("wrong-password");
  }, 60_000);

  it("stops at start with one line naming CERTQ_QUEUE_PREFIX when the ACL user may not use those keys", async () => {
    const { status, stderr } = await world.startApiUntilExit({ CERTQ_QUEUE_PREFIX: "{other}" });
    expect(status.code).toBe(1);
    expect(stderr, stderr.join("\n")).toHaveLength(1);
    expect(stderr[0]).toMatch(/keys under \{other\} \(CERTQ_QUEUE_PREFIX\).*NOPERM/);
  }, 60_000);

  it("stops at start with one line when the server's name does not match CERTQ_REDIS_TLS_SERVERNAME", async () => {
    const { status, stderr } = await world.startApiUntilExit({
      CERTQ_REDIS_TLS_SERVERNAME: "not-redis.test",
    });
    expect(status.code).toBe(1);
    expect(stderr, stderr.join("\n")).toHaveLength(1);
    expect(stderr[0]).toMatch(/cannot reach Redis at 127\.0\.0\.1:\d+ \(REDIS_URL\)/);
  }, 60_000);
});
