import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness";

// Debian's chromium; no browser download. Flags as this workplace's closed network needs.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OPTIONAL_HOSTS =
  /^(fonts\.scalar\.com|proxy\.scalar\.com|fonts\.googleapis\.com|fonts\.gstatic\.com)$/;
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let h: Harness;
let base: string;
let browser: Browser;

beforeAll(async () => {
  h = await createHarness();
  base = (await h.serve()).url;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** Opens a page and gathers console errors and failed requests while it settles. */
async function visit(path: string, credentials?: { username: string; password: string }) {
  const context = await browser.newContext(credentials ? { httpCredentials: credentials } : {});
  const page = await context.newPage();
  const problems: string[] = [];
  const external: string[] = [];
  // The network here is closed: answer third-party requests (web fonts, Scalar's optional
  // cloud services) empty, and check below that nothing else left the machine.
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    external.push(url.hostname);
    return route.fulfill({ status: 204, body: "" });
  });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) =>
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`),
  );
  const response = await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
  return { page, context, problems, external, status: response?.status() };
}

describe("pages in headless Chromium", () => {
  it("/docs renders the API reference with no console errors", async () => {
    const { page, context, problems, external, status } = await visit("/docs");
    expect(status).toBe(200);
    // The sidebar lists the document's tags, in the document's order, once Scalar has loaded
    // /openapi.json; the first is open, the others open on a click.
    const sidebar = page.locator("aside, nav").first();
    await sidebar.getByText("Health", { exact: true }).first().waitFor({ timeout: 20_000 });
    const order = [
      "Health",
      "Certificate Authorities",
      "Certificate Profiles",
      "PKI Certificates",
      "Organization Certificates",
      "Revocation",
      "Access Tokens",
      "ACME",
      "Audit",
    ];
    const shown = await sidebar.getByText(new RegExp(`^(${order.join("|")})$`)).allTextContents();
    expect(shown).toEqual(order);
    await page
      .getByText("The process is up", { exact: false })
      .first()
      .waitFor({ timeout: 20_000 });
    await sidebar.getByText("Certificate Authorities", { exact: true }).first().click();
    await page
      .getByText("Create a root (self-signed, active)", { exact: false })
      .first()
      .waitFor({ timeout: 20_000 });
    expect(problems).toEqual([]);
    expect(external.filter((host) => !OPTIONAL_HOSTS.test(host))).toEqual([]);
    await context.close();
  }, 60_000);

  it("/admin/queues renders the dashboard for an admin token, with no console errors", async () => {
    const { page, context, problems, external, status } = await visit("/admin/queues", {
      username: "admin",
      password: h.adminToken,
    });
    expect(status).toBe(200);
    await page.getByText("issuance", { exact: false }).first().waitFor({ timeout: 20_000 });
    await page.getByText("maintenance", { exact: false }).first().waitFor({ timeout: 20_000 });
    expect(problems).toEqual([]);
    expect(external.filter((host) => !OPTIONAL_HOSTS.test(host))).toEqual([]);
    await context.close();
  }, 60_000);
});
