import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OutboundRefusedError } from "../errors";
import { createOutboundClient, type LookupAll, type OutboundClient } from "./outbound-client";
import { createOutboundPolicy } from "./outbound-policy";

/** A loopback HTTP listener that counts the TCP connections it accepts. */
interface Listener {
  host: string;
  port: number;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

async function listen(
  host: string,
  answer: (path: string) => { status: number; headers?: Record<string, string> } = () => ({
    status: 204,
  }),
): Promise<Listener> {
  const listener: Listener = {
    host,
    port: 0,
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    listener.requests.push(req.url ?? "");
    const { status, headers } = answer(req.url ?? "");
    res.writeHead(status, headers).end();
  });
  server.on("connection", () => {
    listener.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  listener.port = (server.address() as AddressInfo).port;
  return listener;
}

/** DNS for names under example.test, which no real resolver is asked about. */
function fakeDns(records: Record<string, string[]>): LookupAll {
  return async (hostname) => {
    const addresses = records[hostname];
    if (!addresses) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address }));
  };
}

async function refusal(promise: Promise<unknown>): Promise<OutboundRefusedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundRefusedError);
  return error as OutboundRefusedError;
}

let v4: Listener;
let v6: Listener;
const clients: OutboundClient[] = [];
function client(allow: string[] = [], records: Record<string, string[]> = {}) {
  const made = createOutboundClient({
    policy: createOutboundPolicy({ allow }),
    lookup: fakeDns(records),
  });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  v4 = await listen("127.0.0.1");
  v6 = await listen("::1");
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await v4.close();
  await v6.close();
});

describe("outbound client: refused before any connection", () => {
  it("refuses 127.0.0.1 and [::1]; the loopback listeners see no connection", async () => {
    const outbound = client();
    const before = [v4.connections, v6.connections];
    const a = await refusal(outbound.fetch(`http://127.0.0.1:${v4.port}/hook`, { method: "POST" }));
    expect(a).toMatchObject({ address: "127.0.0.1", reason: "loopback address" });
    const b = await refusal(outbound.fetch(`http://[::1]:${v6.port}/hook`, { method: "POST" }));
    expect(b).toMatchObject({ address: "::1", reason: "loopback address" });
    const c = await refusal(outbound.fetch(`http://[::ffff:127.0.0.1]:${v4.port}/hook`));
    expect(c.reason).toBe("loopback address");
    const d = await refusal(outbound.fetch(`http://2130706433:${v4.port}/hook`));
    expect(d).toMatchObject({ address: "127.0.0.1", reason: "loopback address" });
    expect([v4.connections, v6.connections]).toEqual(before);
  });

  // These two are never connected to: the policy is asserted first, so a broken filter
  // fails the test here instead of sending a packet off this machine.
  it.each([
    ["169.254.169.254", "cloud metadata address"],
    ["10.0.0.1", "private address"],
  ])("refuses %s (%s) by its address, without a connection attempt", async (address, reason) => {
    const outbound = client();
    expect(outbound.policy.refusal(address)).toBe(reason);
    const error = await refusal(outbound.fetch(`http://${address}/latest/meta-data`));
    expect(error).toMatchObject({ host: address, address, reason });
    expect(error.message).toContain("CERTQ_OUTBOUND_ALLOW");
  });

  it("refuses a hostname that resolves to loopback, by the address it resolves to", async () => {
    const outbound = client([], { "hooks.example.test": ["127.0.0.1"] });
    const before = v4.connections;
    const error = await refusal(outbound.fetch(`http://hooks.example.test:${v4.port}/hook`));
    expect(error).toMatchObject({
      host: "hooks.example.test",
      address: "127.0.0.1",
      reason: "loopback address",
    });
    expect(v4.connections).toBe(before);
  });

  it("refuses localhost through the system resolver", async () => {
    const outbound = createOutboundClient({ policy: createOutboundPolicy({ allow: [] }) });
    clients.push(outbound);
    const before = v4.connections;
    const error = await refusal(outbound.fetch(`http://localhost:${v4.port}/hook`));
    expect(error.reason).toBe("loopback address");
    expect(v4.connections).toBe(before);
  });

  it("refuses a hostname when any of its addresses is refused, even if another is allowed", async () => {
    const second = await listen("127.0.0.2");
    const outbound = client(["127.0.0.2/32"], { "mixed.example.test": ["127.0.0.2", "127.0.0.1"] });
    const error = await refusal(outbound.fetch(`http://mixed.example.test:${second.port}/`));
    expect(error).toMatchObject({ address: "127.0.0.1", reason: "loopback address" });
    expect(second.connections).toBe(0);
    await second.close();
  });
});

describe("outbound client: redirects", () => {
  it("checks every redirect hop: an allowed first hop that redirects to loopback is refused", async () => {
    // The first hop stands for a public receiver: 127.0.0.2 is allowlisted, 127.0.0.1 is not.
    const first = await listen("127.0.0.2", () => ({
      status: 302,
      headers: { location: `http://internal.example.test:${v4.port}/admin` },
    }));
    const outbound = client(["127.0.0.2/32"], {
      "hooks.example.test": ["127.0.0.2"],
      "internal.example.test": ["127.0.0.1"],
    });
    const before = v4.connections;
    const error = await refusal(
      outbound.fetch(`http://hooks.example.test:${first.port}/hook`, { redirect: "follow" }),
    );
    expect(error).toMatchObject({ host: "internal.example.test", reason: "loopback address" });
    expect(first.requests).toEqual(["/hook"]);
    expect(v4.connections).toBe(before);
    await first.close();
  });

  it("with redirect manual, a 3xx comes back as is and its Location is never contacted", async () => {
    const first = await listen("127.0.0.2", () => ({
      status: 307,
      headers: { location: `http://127.0.0.1:${v4.port}/admin` },
    }));
    const outbound = client(["127.0.0.2/32", "127.0.0.1/32"]);
    const before = v4.connections;
    const res = await outbound.fetch(`http://127.0.0.2:${first.port}/hook`, { redirect: "manual" });
    expect(res.status).toBe(307);
    expect(v4.connections).toBe(before);
    await first.close();
  });
});

describe("outbound client: allowlisted", () => {
  it("reaches a loopback receiver once its address is allowlisted", async () => {
    const outbound = client(["127.0.0.1/32", "::1/128"]);
    const before = [v4.connections, v6.connections];
    expect((await outbound.fetch(`http://127.0.0.1:${v4.port}/ok`)).status).toBe(204);
    expect((await outbound.fetch(`http://[::1]:${v6.port}/ok`)).status).toBe(204);
    expect([v4.connections - (before[0] ?? 0), v6.connections - (before[1] ?? 0)]).toEqual([1, 1]);
  });

  it("an allowlisted hostname connects to the address the check saw", async () => {
    const outbound = client(["127.0.0.1/32"], { "hooks.example.test": ["127.0.0.1"] });
    const res = await outbound.fetch(`http://hooks.example.test:${v4.port}/named`);
    expect(res.status).toBe(204);
    expect(v4.requests).toContain("/named");
  });
});
