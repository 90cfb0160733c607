/** Links into the queue dashboard (src/queue/dashboard.ts), for `status` replies. No heavy imports. */
import type { Config } from '../config/schema.js';

/**
 * The dashboard page of a run (or of the run queue), when a public URL and a dashboard token are
 * configured; otherwise undefined.
 */
export function dashboardLink(config: Config, runId?: string): string | undefined {
  const { publicUrl, token } = config.observability.dashboard;
  if (!publicUrl || !token) return undefined;
  const queue = `${publicUrl.replace(/\/+$/, '')}/queues/queue/${encodeURIComponent(config.queue.queueName)}`;
  return runId ? `${queue}/${encodeURIComponent(runId)}` : queue;
}
