import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/middleware/json-body";
import { createProfile, createRootCa } from "./fixtures";
import { createHarness, type Harness } from "./harness";

// Over a real socket, so bodies arrive as a client sends them: with a Content-Length, or
// chunked without one (in-process app.request() bodies have neither).
let h: Harness;
let base: string;
let profileId: string;

beforeAll(async () => {
  h = await createHarness();
  profileId = await createProfile(h, (await createRootCa(h, "EC_prime256v1")).id);
  base = (await h.serve()).url;
});
afterAll(async () => {
  await h.close();
});

const SUBMIT = "/api/v1/cert-manager/certificates";

function post(body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  return fetch(`${base}${SUBMIT}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${h.adminToken}`,
      "content-type": "application/json",
      ...headers,
    },
    body,
    duplex: "half",
  } as RequestInit);
}

/** A body sent in pieces, so it goes out chunked, without a Content-Length. */
function chunked(text: string) {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 64 * 1024) {
        controller.enqueue(bytes.subarray(i, i + 64 * 1024));
      }
      controller.close();
    },
  });
}

const oversized = () => JSON.stringify({ profileId, commonName: "x".repeat(MAX_BODY_BYTES) });

describe("request body limit over HTTP", () => {
  it("a Content-Length over the limit is 413 in the error shape, and nothing is stored", async () => {
    const res = await post(oversized());
    const text = await res.text();
    expect(res.status, text).toBe(413);
    expect(JSON.parse(text)).toEqual({
      reqId: res.headers.get("x-request-id"),
      statusCode: 413,
      message: `Request body is larger than ${MAX_BODY_BYTES} bytes`,
      error: "PayloadTooLarge",
    });
    expect(await h.queue.getWaitingCount()).toBe(0);
  });

  it("a chunked body over the limit is 413 too", async () => {
    const res = await post(chunked(oversized()));
    const text = await res.text();
    expect(res.status, text).toBe(413);
    expect(JSON.parse(text)).toMatchObject({ statusCode: 413, error: "PayloadTooLarge" });
  });

  it("bodies within the limit are read and submitted, with or without a Content-Length", async () => {
    for (const [i, send] of [(b: string) => b, chunked].entries()) {
      const body = JSON.stringify({ profileId, commonName: `limit-${i}.example.test` });
      const res = await post(send(body));
      const text = await res.text();
      expect(res.status, text).toBe(202);
      expect(JSON.parse(text)).toMatchObject({ status: "pending" });
    }
  });
});
