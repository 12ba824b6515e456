import { type JwsClient, openssl, scratchDir } from "@certq/core/testing";
import { acmeCertIdOf } from "@certq/pki";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acmeFlow } from "../../../test/acme/acme-flow";
import { type AcmeProfileSetup, appFetch, createAcmeProfile } from "../../../test/acme/acme-setup";
import { startDnsServer, type TestDnsServer } from "../../../test/acme/dns-server";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let dns: TestDnsServer;
let setup: AcmeProfileSetup;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let flow: ReturnType<typeof acmeFlow>;
/** A second ACME profile with its own CA: its certificates are not the first one's. */
let otherFlow: ReturnType<typeof acmeFlow>;

beforeAll(async () => {
  dns = await startDnsServer();
  h = await createHarness({ outboundAllow: ["127.0.0.0/8"] });
  await h.startWorker(2);
  await h.startAcmeValidation({ http01Port: 1, tlsAlpn01Port: 1, dnsResolver: dns.address });
  setup = await createAcmeProfile(h, { requireEab: true });
  scratch = await scratchDir();
  flow = acmeFlow({ h, dns, scratch, setup });
  otherFlow = acmeFlow({
    h,
    dns,
    scratch,
    setup: await createAcmeProfile(h, { requireEab: true }),
  });
});
afterAll(async () => {
  await h?.close();
  await dns?.close();
  await scratch?.cleanup();
});

interface RenewalInfo {
  suggestedWindow: { start: string; end: string };
}

/** The certID of a PEM certificate from openssl's own reading of its AKI and serial. */
async function opensslCertId(pem: string, name: string): Promise<string> {
  const file = await scratch.write(`${name}-id.pem`, pem);
  const out = await openssl([
    "x509",
    "-in",
    file,
    "-noout",
    "-serial",
    "-ext",
    "authorityKeyIdentifier",
  ]);
  expect(out.code, out.stderr).toBe(0);
  const serial = /serial=([0-9A-F]+)/.exec(out.stdout)?.[1] as string;
  const aki = /((?:[0-9A-F]{2}:){7,}[0-9A-F]{2})/.exec(out.stdout)?.[1] as string;
  expect(aki, out.stdout).toBeDefined();
  const hex = (text: string) => Buffer.from(text.replaceAll(":", ""), "hex");
  return `${hex(aki).toString("base64url")}.${hex(serial).toString("base64url")}`;
}

async function opensslDates(pem: string, name: string) {
  const file = await scratch.write(`${name}-dates.pem`, pem);
  const out = await openssl(["x509", "-in", file, "-noout", "-dates"]);
  const date = (field: string) =>
    new Date(new RegExp(`${field}=(.+)`).exec(out.stdout)?.[1] as string).getTime();
  return { notBefore: date("notBefore"), notAfter: date("notAfter") };
}

async function renewalInfo(directoryUrl: string, certId: string) {
  const directory = (await (await appFetch(h)(directoryUrl)).json()) as { renewalInfo: string };
  const res = await appFetch(h)(`${directory.renewalInfo}/${certId}`);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body, text };
}

function expectProblem(
  res: { status: number; headers: Headers; body: unknown; text: string },
  status: number,
  type: string,
) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type"), res.text).toContain("application/problem+json");
  expect(res.body, res.text).toMatchObject({ type: `urn:ietf:params:acme:error:${type}`, status });
}

async function certificateIdOf(pem: string): Promise<string> {
  const file = await scratch.write("serial.pem", pem);
  const serial = (await openssl(["x509", "-in", file, "-noout", "-serial"])).stdout
    .trim()
    .replace(/^serial=/, "")
    .toLowerCase();
  const [row] = await h.db.db.execute<{ id: string }>(
    sql`select id from certificates where serial_number = ${serial}`,
  );
  expect(row, serial).toBeDefined();
  return (row as { id: string }).id;
}

/** Rows a refused new-order or finalize must leave as they were. */
async function counts() {
  const [row] = await h.db.db.execute<Record<string, number>>(sql`select
    (select count(*) from acme_orders)::int as orders,
    (select count(*) from acme_orders where replaces_certificate_id is not null)::int as replacing,
    (select count(*) from certificate_requests)::int as requests`);
  return row;
}

describe("renewalInfo (RFC 9773 4)", () => {
  it("the directory lists it; an issued certificate's window is 2/3 to 5/6 of its life, with Retry-After", async () => {
    const directory = (await (await appFetch(h)(setup.directoryUrl)).json()) as {
      renewalInfo?: string;
    };
    expect(directory.renewalInfo).toBe(setup.directoryUrl.replace(/directory$/, "renewal-info"));

    const client = await flow.registeredClient();
    const { leafPem } = await flow.issuedOrder(client, "ari.example.test");
    const certId = await opensslCertId(leafPem, "ari");
    expect(acmeCertIdOf(leafPem)).toBe(certId);
    const res = await renewalInfo(setup.directoryUrl, certId);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("retry-after")).toBe("21600");
    const { start, end } = (res.body as RenewalInfo).suggestedWindow;
    const { notBefore, notAfter } = await opensslDates(leafPem, "ari");
    const life = notAfter - notBefore;
    // openssl prints whole seconds; the window is computed from the stored milliseconds.
    expect(Math.abs(Date.parse(start) - (notBefore + (2 * life) / 3))).toBeLessThan(1_000);
    expect(Math.abs(Date.parse(end) - (notBefore + (5 * life) / 6))).toBeLessThan(1_000);
    expect(Date.parse(start)).toBeGreaterThan(Date.now());
  });

  it("a revoked certificate's window is in the past: renew now", async () => {
    const client = await flow.registeredClient();
    const { der, leafPem } = await flow.issuedOrder(client, "ari-revoked.example.test");
    const revoked = await client.post(client.directory.revokeCert, {
      certificate: der.toString("base64url"),
      reason: 1,
    });
    expect(revoked.status, revoked.text).toBe(200);
    const res = await renewalInfo(setup.directoryUrl, acmeCertIdOf(leafPem));
    expect(res.status, res.text).toBe(200);
    const { start, end } = (res.body as RenewalInfo).suggestedWindow;
    expect(Date.parse(start)).toBeLessThan(Date.parse(end));
    expect(Date.parse(end)).toBeLessThanOrEqual(Date.now());
  });

  describe("a certID it cannot answer for", () => {
    let known: string;
    let foreign: string;
    beforeAll(async () => {
      const { leafPem } = await flow.issuedOrder(
        await flow.registeredClient(),
        "ari-known.example.test",
      );
      known = acmeCertIdOf(leafPem);
      const other = await otherFlow.issuedOrder(
        await otherFlow.registeredClient(),
        "ari-foreign.example.test",
      );
      foreign = acmeCertIdOf(other.leafPem);
    });
    const swapSerial = (id: string, bytes: number[]) =>
      `${id.split(".")[0]}.${Buffer.from(bytes).toString("base64url")}`;

    it.each<[string, () => string, number, string]>([
      ["no dot", () => known.replace(".", ""), 400, "malformed"],
      ["three parts", () => `${known}.AQ`, 400, "malformed"],
      ["padding", () => `${known}=`, 400, "malformed"],
      ["not base64url", () => `${known.split(".")[0]}.%2B%2F`, 400, "malformed"],
      ["a negative serial", () => swapSerial(known, [0x87, 0x65]), 400, "malformed"],
      ["a non-minimal serial", () => swapSerial(known, [0x00, 0x12]), 400, "malformed"],
      ["an unknown serial", () => swapSerial(known, [0x12, 0x34, 0x56]), 404, "malformed"],
      [
        "the right serial under another key identifier",
        () => `${foreign.split(".")[0]}.${known.split(".")[1]}`,
        404,
        "malformed",
      ],
      ["a certificate of another profile's CA", () => foreign, 404, "malformed"],
    ])("%s: %i %s", async (_, certId, status, type) => {
      expectProblem(await renewalInfo(setup.directoryUrl, certId()), status, type);
    });
  });
});

type OrderBody = { status: string; replaces?: string; finalize: string };

describe("new-order replaces (RFC 9773 5)", () => {
  it("a renewal names the old certificate: echoed in the order, stored on it and on the new request", async () => {
    const client = await flow.registeredClient();
    const old = await flow.issuedOrder(client, "renew.example.test");
    const replaces = acmeCertIdOf(old.leafPem);
    const oldId = await certificateIdOf(old.leafPem);
    const order = await flow.readyOrder(client, "renew.example.test", { replaces });
    expect(order.body.replaces).toBe(replaces);
    const renewed = await flow.finalizeUntilValid(client, order, "renew.example.test");
    const read = await client.post<OrderBody>(order.url, "");
    expect(read.body.replaces, read.text).toBe(replaces);

    const newId = await certificateIdOf(renewed.leafPem);
    const orderId = order.url.split("/").at(-1) as string;
    const rows = await h.db.db.execute<{ order_replaces: string; request_replaces: string }>(sql`
      select o.replaces_certificate_id as order_replaces, r.replaces_certificate_id as request_replaces
      from acme_orders o join certificate_requests r on r.id = o.certificate_request_id
      join certificates c on c.request_id = r.id
      where o.id = ${orderId} and c.id = ${newId}`);
    expect(rows).toEqual([{ order_replaces: oldId, request_replaces: oldId }]);
  });

  it("replacing it again is alreadyReplaced (409), at new-order and at finalize; nothing is stored", async () => {
    const client = await flow.registeredClient();
    const old = await flow.issuedOrder(client, "twice-renew.example.test");
    const replaces = acmeCertIdOf(old.leafPem);
    // Two renewals ordered before either is finalized: the second finalize loses.
    const first = await flow.readyOrder(client, "twice-renew.example.test", { replaces });
    const second = await flow.readyOrder(client, "twice-renew.example.test", { replaces });
    await flow.finalizeUntilValid(client, first, "twice-renew.example.test");

    const before = await counts();
    const { csr } = await flow.makeCsr(["twice-renew.example.test"], "twice-renew-2");
    expectProblem(await client.post(second.finalize, { csr }), 409, "alreadyReplaced");
    expect((await client.post<OrderBody>(second.url, "")).body.status).toBe("ready");
    const again = await client.post(client.directory.newOrder, {
      identifiers: [{ type: "dns", value: "twice-renew.example.test" }],
      replaces,
    });
    expectProblem(again, 409, "alreadyReplaced");
    expect(await counts()).toEqual(before);
  });

  it("another account's certificate, one sharing no identifier, or an unreadable certID: malformed, nothing stored", async () => {
    const owner = await flow.registeredClient();
    const old = await flow.issuedOrder(owner, "owned.example.test");
    const replaces = acmeCertIdOf(old.leafPem);
    const stranger = await flow.registeredClient();
    const before = await counts();
    const newOrder = (client: JwsClient, name: string, certId: string) =>
      client.post(client.directory.newOrder, {
        identifiers: [{ type: "dns", value: name }],
        replaces: certId,
      });
    const refused = await newOrder(stranger, "owned.example.test", replaces);
    expectProblem(refused, 400, "malformed");
    expect(refused.text).toContain("not ordered by this account");
    const unrelated = await newOrder(owner, "elsewhere.example.test", replaces);
    expectProblem(unrelated, 400, "malformed");
    expect(unrelated.text).toContain("shares no identifier");
    expectProblem(await newOrder(owner, "owned.example.test", "nonsense"), 400, "malformed");
    expect(await counts()).toEqual(before);
  });
});
