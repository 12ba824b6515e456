import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { authenticate, requireScope } from "@certq/core";
import { serveStatic } from "@hono/node-server/serve-static";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Queue } from "bullmq";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env";
import { requiringScope } from "../../middleware/auth";

export const DASHBOARD_PATH = "/admin/queues";

/**
 * Browsers cannot send a bearer header when navigating, so the dashboard also takes the
 * token as the password of HTTP Basic auth (any user name); a 401 makes the browser ask.
 */
const adminOnly = createMiddleware<AppEnv>(async function dashboardAuth(c, next) {
  const header = c.req.header("authorization") ?? "";
  const bearer = header.match(/^Bearer\s+(\S+)$/i)?.[1];
  const basic = header.match(/^Basic\s+(\S+)$/i)?.[1];
  const password = basic
    ? Buffer.from(basic, "base64").toString("utf8").split(":").slice(1).join(":")
    : undefined;
  try {
    const principal = await authenticate({ ctx: c.var.ctx, tokenValue: bearer ?? password });
    requireScope(principal, "admin");
  } catch (error) {
    c.header("WWW-Authenticate", 'Basic realm="certq queues", charset="UTF-8"');
    throw error;
  }
  await next();
});
requiringScope(adminOnly, "admin");

/** The BullMQ dashboard (bull-board) for tokens with the admin scope. */
export function registerQueueDashboard(app: OpenAPIHono<AppEnv>, queues: Queue[]) {
  const adapter = new HonoAdapter(serveStatic);
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  app.use(DASHBOARD_PATH, adminOnly);
  app.use(`${DASHBOARD_PATH}/*`, adminOnly);
  app.route(DASHBOARD_PATH, adapter.registerPlugin());
}
