/**
 * The operations HTTP server of a bot or worker: /healthz (alive), /readyz (named checks, 503
 * when one fails), /metrics (Prometheus text), and on the bot the queue dashboard. Hono on
 * Node's HTTP server (@hono/node-server), since bull-board mounts on it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { DsbotError } from '../errors.js';
import { checkReadiness, type ReadinessCheck } from './health.js';
import { registry } from './metrics.js';

export interface OpsServerOptions {
  /** 0: any free port (tests). */
  port: number;
  host: string;
  /** e.g. dsbot-worker; reported by /healthz. */
  service: string;
  /** Checks of /readyz. */
  checks: Record<string, ReadinessCheck>;
  /** Extra routes (the dashboard), mounted at the root. */
  extra?: Hono;
}

export interface OpsServer {
  /** `http://HOST:PORT` (127.0.0.1 when listening on all addresses). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** The routes, without a server (tests can call `app.request`). */
export function opsApp(options: Omit<OpsServerOptions, 'port' | 'host'>): Hono {
  const app = new Hono();
  const started = Date.now();
  app.get('/healthz', (c) => c.json({ status: 'ok', service: options.service, uptimeSeconds: Math.round((Date.now() - started) / 1000) }));
  app.get('/readyz', async (c) => {
    const r = await checkReadiness(options.checks);
    return c.json({ status: r.ok ? 'ready' : 'not ready', service: options.service, checks: r.checks }, r.ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));
  if (options.extra) app.route('/', options.extra);
  app.get('/', (c) => c.json({ service: options.service, endpoints: ['/healthz', '/readyz', '/metrics', ...(options.extra ? ['/queues'] : [])] }));
  return app;
}

/** Listens; a port in use is one clear config error. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const app = opsApp(options);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DsbotError(
          'config',
          err.code === 'EADDRINUSE'
            ? `Port ${options.port} on ${options.host} is in use (the /metrics and /readyz server). Set DSBOT_HTTP_PORT to a free port, or 0 to turn the server off.`
            : `Cannot listen on ${options.host}:${options.port}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
