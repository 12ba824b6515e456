import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  enqueueIssuance,
  verifyWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  type WebhookEvent,
} from "@certq/core";
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRootCa,
  restrictProfile,
  submit,
  submitWithoutJob,
  TEST_POLICY,
  waitForRequest,
} from "./fixtures";
import { createHarness, type Harness } from "./harness";

interface Delivery {
  body: string;
  signature: string;
  event: WebhookEvent;
}

/**
 * A local receiver that fails the first `failures` deliveries with a 500, or answers every
 * one with `redirectTo` as a 302. It counts the TCP connections it accepts.
 */
async function receiver(failures = 0, options: { host?: string; redirectTo?: string } = {}) {
  const host = options.host ?? "127.0.0.1";
  let connections = 0;
  const deliveries: Delivery[] = [];
  let attempts = 0;
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      attempts++;
      if (options.redirectTo) {
        res.writeHead(302, { location: options.redirectTo }).end();
        return;
      }
      if (attempts <= failures) {
        res.writeHead(500).end();
        return;
      }
      deliveries.push({
        body,
        signature: String(req.headers[WEBHOOK_SIGNATURE_HEADER]),
        event: JSON.parse(body),
      });
      res.writeHead(204).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/hook`,
    port,
    deliveries,
    attempts: () => attempts,
    connections: () => connections,
    /** Resolves on the next successful delivery (event-driven, bounded by the test timeout). */
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let h: Harness;
let caId: string;
let webhookWorker: Awaited<ReturnType<Harness["startWebhooks"]>>;

/** The first failure of a request's webhook job (event-driven). */
function nextWebhookFailure(requestId: string) {
  return new Promise<{ job: Job; error: Error }>((resolve) => {
    const onFailed = (job: Job | undefined, error: Error) => {
      if (job?.data?.requestId !== requestId) return;
      webhookWorker.off("failed", onFailed);
      resolve({ job, error });
    };
    webhookWorker.on("failed", onFailed);
  });
}

beforeAll(async () => {
  // Receivers here are local, so loopback's 127.0.0.1 is allowlisted (and only it).
  h = await createHarness({
    outboundAllow: ["127.0.0.1/32"],
    outboundLookup: async (hostname) => {
      const records: Record<string, string[]> = { "internal.example.test": ["127.0.0.3"] };
      return (records[hostname] ?? []).map((address) => ({ address }));
    },
  });
  await h.startWorker(2);
  webhookWorker = await h.startWebhooks(100);
  caId = (await createRootCa(h, "EC_prime256v1")).id;
});
afterAll(() => h.close());

async function profileWithWebhook(url: string) {
  const res = await h.request<{
    certificateProfile: { id: string; webhookUrl: string; webhookSecret?: string };
  }>("POST", "/api/v1/cert-manager/certificate-profiles", {
    body: {
      slug: `hook-${Math.random().toString(36).slice(2, 8)}`,
      caId,
      defaults: { ttl: "30d" },
      policy: TEST_POLICY,
      webhookUrl: url,
    },
  });
  expect(res.status, res.text).toBe(200);
  const profile = res.body.certificateProfile;
  expect(profile.webhookSecret).toMatch(/^whsec_/);
  const again = await h.request<{ certificateProfile: Record<string, unknown> }>(
    "GET",
    `/api/v1/cert-manager/certificate-profiles/${profile.id}`,
  );
  expect(again.body.certificateProfile.webhookSecret).toBeUndefined();
  return { id: profile.id, secret: profile.webhookSecret ?? "" };
}

describe("webhooks", () => {
  it("a renewal's issuance is a certificate.renewed event naming the certificate it replaces", async () => {
    const hook = await receiver();
    const profile = await profileWithWebhook(hook.url);
    const issued = hook.next();
    const res = await submit(h, { profileId: profile.id, commonName: "renewed.example.test" });
    const first = await waitForRequest(h, res.body.certificateRequestId);
    await issued;
    const renewedArrived = hook.next();
    const renewal = await h.request<{ certificateRequestId: string }>(
      "POST",
      `/api/v1/pki/certificates/${first.serialNumber}/renew`,
      { body: {} },
    );
    expect(renewal.status, renewal.text).toBe(202);
    const second = await waitForRequest(h, renewal.body.certificateRequestId);
    await renewedArrived;
    expect(hook.deliveries.map((d) => d.event.type)).toEqual([
      "certificate.issued",
      "certificate.renewed",
    ]);
    expect(hook.deliveries[0]?.event.data.replacesCertificateId).toBeNull();
    expect(hook.deliveries[1]?.event.data).toMatchObject({
      certificateRequestId: renewal.body.certificateRequestId,
      serialNumber: second.serialNumber,
      replacesCertificateId: first.certificateId,
    });
    await hook.close();
  });

  it("a local receiver gets each issued event once, with a signature that verifies", async () => {
    const hook = await receiver();
    const profile = await profileWithWebhook(hook.url);
    const arrived = hook.next();
    const res = await submit(h, { profileId: profile.id, commonName: "hooked.example.test" });
    const request = await waitForRequest(h, res.body.certificateRequestId);
    await arrived;
    expect(hook.deliveries).toHaveLength(1);
    const [delivery] = hook.deliveries;
    if (!delivery) throw new Error("no delivery");
    expect(delivery.event).toMatchObject({
      type: "certificate.issued",
      data: {
        certificateRequestId: res.body.certificateRequestId,
        status: "issued",
        serialNumber: request.serialNumber,
      },
    });
    expect(
      verifyWebhook({
        secret: profile.secret,
        body: delivery.body,
        header: delivery.signature,
        nowSeconds: Date.now() / 1000,
      }),
    ).toBe(true);
    expect(
      verifyWebhook({
        secret: "whsec_wrong",
        body: delivery.body,
        header: delivery.signature,
        nowSeconds: Date.now() / 1000,
      }),
    ).toBe(false);
    expect(
      verifyWebhook({
        secret: profile.secret,
        body: `${delivery.body} `,
        header: delivery.signature,
        nowSeconds: Date.now() / 1000,
      }),
    ).toBe(false);
    expect(JSON.stringify(delivery.event)).not.toContain("PRIVATE KEY");
    await hook.close();
  });

  it("a receiver that fails twice gets the event on the third try; issuance did not wait", async () => {
    const hook = await receiver(2);
    const profile = await profileWithWebhook(hook.url);
    const arrived = hook.next();
    const res = await submit(h, { profileId: profile.id, commonName: "flaky.example.test" });
    expect((await waitForRequest(h, res.body.certificateRequestId)).status).toBe("issued");
    await arrived;
    expect(hook.attempts()).toBe(3);
    expect(hook.deliveries).toHaveLength(1);
    await hook.close();
  });

  it("a request that fails is announced too", async () => {
    const hook = await receiver();
    const profile = await profileWithWebhook(hook.url);
    // Accepted but held back from the queue, so the profile changes before the worker runs.
    const { requestId } = await submitWithoutJob(h, {
      profileId: profile.id,
      commonName: "later.example.test",
    });
    await restrictProfile(h, profile.id);
    const arrived = hook.next();
    await enqueueIssuance(h.queue, requestId);
    expect((await waitForRequest(h, requestId)).status).toBe("failed");
    await arrived;
    expect(hook.deliveries[0]?.event).toMatchObject({
      type: "certificate_request.failed",
      data: {
        certificateRequestId: requestId,
        status: "failed",
        errorMessage: expect.stringContaining("later.example.test"),
      },
    });
    await hook.close();
  });
});

describe("webhooks: outbound policy", () => {
  it.each([
    ["POST", "http://127.0.0.2:8080/hook", "loopback address"],
    ["POST", "http://169.254.169.254/latest/meta-data", "cloud metadata address"],
    ["POST", "http://10.0.0.1/hook", "private address"],
    ["POST", "http://0x7f000002/hook", "loopback address"],
    ["PATCH", "http://[::1]/hook", "loopback address"],
    ["PATCH", "http://[::ffff:a9fe:a9fe]/", "cloud metadata address"],
  ])(
    "%s with webhookUrl %s: 422 naming webhookUrl (%s), nothing stored",
    async (method, url, reason) => {
      const existing = await profileWithWebhook("https://hooks.example.com/certq");
      const slug = `refused-${Math.random().toString(36).slice(2, 8)}`;
      const res =
        method === "POST"
          ? await h.request<{ message: { field: string; message: string }[] }>(
              "POST",
              "/api/v1/cert-manager/certificate-profiles",
              { body: { slug, caId, policy: TEST_POLICY, webhookUrl: url } },
            )
          : await h.request<{ message: { field: string; message: string }[] }>(
              "PATCH",
              `/api/v1/cert-manager/certificate-profiles/${existing.id}`,
              { body: { webhookUrl: url } },
            );
      expect(res.status, res.text).toBe(422);
      expect(res.body.message).toEqual([
        expect.objectContaining({ field: "webhookUrl", message: expect.stringContaining(reason) }),
      ]);
      const list = await h.request<{ certificateProfiles: { slug: string; webhookUrl: string }[] }>(
        "GET",
        "/api/v1/cert-manager/certificate-profiles",
      );
      expect(list.body.certificateProfiles.map((p) => p.slug)).not.toContain(slug);
      const after = list.body.certificateProfiles.find(
        (p) => p.slug !== slug && p.webhookUrl === url,
      );
      expect(after).toBeUndefined();
    },
  );

  it("a hostname that resolves to loopback is refused at delivery, once, with its reason logged; no connection", async () => {
    const target = await receiver(0, { host: "127.0.0.3" });
    const profile = await profileWithWebhook(`http://internal.example.test:${target.port}/hook`);
    const res = await submit(h, { profileId: profile.id, commonName: "refused.example.test" });
    const requestId = res.body.certificateRequestId;
    const failed = nextWebhookFailure(requestId);
    expect((await waitForRequest(h, requestId)).status).toBe("issued");
    const { job, error } = await failed;
    expect(error.message).toContain("internal.example.test (127.0.0.3): loopback address");
    // Permanent: one attempt, not the queue's eight.
    expect(job.attemptsMade).toBe(1);
    expect(await job.isFailed()).toBe(true);
    const logged = h.logs
      .map((line) => JSON.parse(line))
      .find((line) => line.msg === "webhook refused" && line.requestId === requestId);
    expect(logged).toMatchObject({
      level: 40,
      host: `internal.example.test:${target.port}`,
      address: "127.0.0.3",
      reason: "loopback address",
    });
    expect(target.connections()).toBe(0);
    await target.close();
  });

  it("a receiver that answers a redirect is a failed delivery; its Location is never contacted", async () => {
    const inner = await receiver();
    const hook = await receiver(0, { redirectTo: inner.url });
    const profile = await profileWithWebhook(hook.url);
    const res = await submit(h, { profileId: profile.id, commonName: "redirected.example.test" });
    const requestId = res.body.certificateRequestId;
    const failed = nextWebhookFailure(requestId);
    expect((await waitForRequest(h, requestId)).status).toBe("issued");
    const { error } = await failed;
    expect(error.message).toBe(
      `webhook to 127.0.0.1:${hook.port} answered 302; redirects are not followed`,
    );
    expect(hook.attempts()).toBeGreaterThanOrEqual(1);
    expect(inner.connections()).toBe(0);
    await hook.close();
    await inner.close();
  });
});
