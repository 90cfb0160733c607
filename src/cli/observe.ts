/**
 * Observability of a dsbot process, started by the commands: logs (pino), traces (OpenTelemetry,
 * exported when OTEL_EXPORTER_OTLP_ENDPOINT is set), and for `bot` and `worker` the operations
 * HTTP server (/healthz, /readyz, /metrics, and the bot's queue dashboard).
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cachedCheck, type ReadinessCheck } from '../observability/health.js';
import { startOpsServer, type OpsServer } from '../observability/http.js';
import { configureLogger, logger } from '../observability/logger.js';
import { collectProcessMetrics, setQueueCounts } from '../observability/metrics.js';
import { initTracing, type TracingHandle } from '../observability/tracing.js';
import { createSandbox } from '../sandbox/index.js';
import type { Sandbox } from '../sandbox/types.js';

/** Default port of the operations server per process kind. */
export const DEFAULT_HTTP_PORTS = { bot: 9464, worker: 9465 } as const;

/** Configures the logger and tracing for `command` (dsbot-<command> unless OTEL_SERVICE_NAME is set). */
export function startTelemetry(config: Config, command: string): TracingHandle {
  const o = config.observability;
  const service = o.serviceName ?? `dsbot-${command}`;
  configureLogger({ level: o.logLevel, format: o.logFormat, service });
  const tracing = initTracing({ serviceName: service, otlpEndpoint: o.otlpEndpoint, otlpHeaders: o.otlpHeaders });
  if (tracing.exporting) logger.info(`Traces go to ${o.otlpEndpoint} (OTLP/HTTP).`);
  return tracing;
}

/** What the readiness checks look at. */
export interface OpsTargets {
  redis: Redis;
  knowledge: KnowledgeStore;
  /** True when Chroma was unreachable at start and an in-memory store stands in. */
  knowledgeFallback?: boolean;
  /** The run queue (queue depth metric, dashboard). */
  queue: Queue;
  /** Platform name → connected (bot only). */
  platforms?: () => Record<string, boolean>;
}

/** Starts a sandbox in a scratch directory, runs one cell, closes it. */
function sandboxCheck(createSandbox: () => Sandbox): ReadinessCheck {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-ready-'));
    const sandbox = createSandbox();
    try {
      await sandbox.start({ workDir: dir });
      const r = await sandbox.exec('print(1 + 1)', { timeoutMs: 10_000 });
      if (r.error || r.killed || r.stdout.trim() !== '2') throw new Error(`the sandbox started but a cell failed: ${r.error?.message ?? r.killed ?? r.stdout}`);
      return `${sandbox.kind} sandbox started`;
    } finally {
      await sandbox.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Readiness checks of a bot or worker. */
export function readinessChecks(config: Config, t: OpsTargets): Record<string, ReadinessCheck> {
  const checks: Record<string, ReadinessCheck> = {
    redis: async () => {
      if ((await t.redis.ping()) !== 'PONG') throw new Error('Redis did not answer PONG');
    },
    knowledge: async () => {
      if (t.knowledgeFallback) throw new Error('Chroma was unreachable at start; an in-memory store stands in (nothing is remembered). Restart once Chroma answers.');
      await t.knowledge.get('datasets', { limit: 1 });
      return config.knowledge.kind === 'memory' ? 'in-memory store' : `Chroma ${config.knowledge.chromaUrl ?? '(embedded)'}`;
    },
    sandbox: cachedCheck(sandboxCheck(() => createSandbox(config.sandbox)), config.observability.sandboxCheckTtlMs),
  };
  if (t.platforms) {
    const platforms = t.platforms;
    checks.platforms = async () => {
      const state = platforms();
      const down = Object.entries(state).filter(([, up]) => !up).map(([n]) => n);
      if (down.length) throw new Error(`not connected: ${down.join(', ')}`);
      return Object.keys(state).join(', ');
    };
  }
  return checks;
}

/**
 * Starts the operations server of a `bot` or `worker` (unless its port is 0). The bot serves the
 * queue dashboard too when DSBOT_DASHBOARD_TOKEN is set.
 */
export async function serveOps(config: Config, role: 'bot' | 'worker', t: OpsTargets): Promise<OpsServer | undefined> {
  collectProcessMetrics();
  setQueueCounts(() => t.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'));
  const port = config.observability.http.port ?? DEFAULT_HTTP_PORTS[role];
  if (port === 0) return undefined;
  const { token, readOnly } = config.observability.dashboard;
  const extra = role === 'bot' && token ? (await import('../queue/dashboard.js')).createDashboard({ queue: t.queue, token, readOnly }) : undefined;
  const server = await startOpsServer({ port, host: config.observability.http.host, service: `dsbot-${role}`, checks: readinessChecks(config, t), extra });
  logger.info(`dsbot ${role}: /healthz /readyz /metrics on port ${server.port}${extra ? `, queue dashboard at /queues (${readOnly ? 'read-only' : 'read-write'})` : ''}.`);
  return server;
}
