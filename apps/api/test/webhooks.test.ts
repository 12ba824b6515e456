import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  enqueueIssuance,
  submitCertificateRequest,
  verifyWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  type WebhookEvent,
} from "@certq/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRootCa, submit, TEST_POLICY, waitForRequest } from "./fixtures";
import { createHarness, type Harness } from "./harness";

interface Delivery {
  body: string;
  signature: string;
  event: WebhookEvent;
}

/** A local receiver that fails the first `failures` deliveries with a 500. */
async function receiver(failures = 0) {
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    attempts: () => attempts,
    /** Resolves on the next successful delivery (event-driven, bounded by the test timeout). */
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let h: Harness;
let caId: string;

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker(2);
  await h.startWebhooks(100);
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
    const { requestId } = await submitCertificateRequest({
      ctx: h.ctx,
      principal: {
        tokenId: (await h.db.db.query.accessTokens.findFirst())?.id ?? "",
        tokenName: "admin",
        scopes: ["admin"],
      },
      enqueue: async () => {},
      insert: h.issuance.insert,
      admit: async () => {},
      input: { profileId: profile.id, commonName: "later.example.test" },
    });
    await h.request("PATCH", `/api/v1/cert-manager/certificate-profiles/${profile.id}`, {
      body: { policy: { ...TEST_POLICY, commonName: ["only.example.test"] } },
    });
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
