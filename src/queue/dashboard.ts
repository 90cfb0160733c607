/**
 * The queue dashboard: bull-board (BullMQ's usual dashboard) for the cleaning-run queue, served
 * by the bot at /queues behind a token from the environment (DSBOT_DASHBOARD_TOKEN). A browser
 * asks for it as a password (HTTP Basic, any user name); scripts send `Authorization: Bearer`.
 * Read-only unless configured: then only GET reaches bull-board, and bull-board itself hides
 * and refuses retry/remove/clean.
 */
import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono, type MiddlewareHandler } from 'hono';

/** Where the dashboard is mounted on the bot's HTTP server. */
export const DASHBOARD_PATH = '/queues';

export interface DashboardOptions {
  /** The run queue (the producer's). */
  queue: Queue;
  /** The secret a visitor must present. */
  token: string;
  /** No changes through the dashboard (default true). */
  readOnly?: boolean;
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The secret in an Authorization header: `Bearer <token>` or Basic with the token as password. */
function presented(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

function guard(token: string, readOnly: boolean): MiddlewareHandler {
  return async (c, next) => {
    const secret = presented(c.req.header('authorization'));
    if (secret === undefined || !sameSecret(secret, token)) {
      c.header('WWW-Authenticate', 'Basic realm="dsbot queues", charset="UTF-8"');
      return c.text('The queue dashboard needs the token set in DSBOT_DASHBOARD_TOKEN (as the password).\n', 401);
    }
    if (readOnly && c.req.method !== 'GET' && c.req.method !== 'HEAD') return c.text('The queue dashboard is read-only (DSBOT_DASHBOARD_READ_ONLY).\n', 405);
    await next();
  };
}

/** A Hono app serving the dashboard under DASHBOARD_PATH; mount it with `app.route('/', dashboard)`. */
export function createDashboard(options: DashboardOptions): Hono {
  const readOnly = options.readOnly ?? true;
  const adapter = new HonoAdapter(serveStatic).setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(options.queue, { readOnlyMode: readOnly, description: 'dsbot cleaning runs (job id = run id)' })],
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'dsbot' } },
  });
  const app = new Hono();
  app.use(DASHBOARD_PATH, guard(options.token, readOnly));
  app.use(`${DASHBOARD_PATH}/*`, guard(options.token, readOnly));
  app.route(DASHBOARD_PATH, adapter.registerPlugin());
  return app;
}
