/**
 * Enqueues cleaning runs on BullMQ: validates the RunRequest, uses the run id as job id (a
 * double trigger adds nothing), re-enqueues a stopped or failed run under the same id
 * (the engine resumes at the first uncommitted chunk), and drops queued runs on stop.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueConfig } from '../config/schema.js';
import { InputError } from '../errors.js';
import { parseRunRequest, type RunRequest } from './run-request.js';
import type { RunRegistry } from './run-registry.js';

export const JOB_NAME = 'clean';

export interface EnqueueResult {
  /** The job id (= run id). */
  runId: string;
  /** False when a job with this id already existed (nothing new was added). */
  added: boolean;
}

export interface RunProducer {
  /** Validates (throws InputError, enqueuing nothing) and adds the job. */
  enqueue(request: unknown): Promise<EnqueueResult>;
  /** Re-enqueues a finished (stopped/failed) run with the same id; throws InputError when it is unknown or still active. */
  resume(runId: string): Promise<RunRequest>;
  /** Removes a run that is still waiting; false when a worker already holds it (or it is gone). */
  removeQueued(runId: string): Promise<boolean>;
  /** Wakes a parked run (a delayed job: waiting for approval) so a worker takes it now; false when it is not parked. */
  wake(runId: string): Promise<boolean>;
  /** The BullMQ queue (tests, benchmarks). */
  readonly queue: Queue;
  /** Closes the queue (not the caller's connection). */
  close(): Promise<void>;
}

/** Job options for runs: retries with exponential backoff, finished jobs kept for dedup. */
function jobOptions(config: QueueConfig, runId: string) {
  return {
    jobId: runId,
    attempts: config.attempts,
    backoff: { type: 'exponential' as const, delay: config.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}

export function createRunProducer(config: QueueConfig, connection: Redis, registry: RunRegistry): RunProducer {
  const queue = new Queue(config.queueName, { connection, prefix: config.prefix });
  return {
    queue,
    async enqueue(data) {
      const request = parseRunRequest(data);
      const existing = await queue.getJob(request.runId);
      if (existing) return { runId: request.runId, added: false };
      await queue.add(JOB_NAME, request, jobOptions(config, request.runId));
      return { runId: request.runId, added: true };
    },
    async resume(runId) {
      const rec = await registry.get(runId);
      if (!rec) throw new InputError(`No run \`${runId}\` is known here (runs are kept 30 days).`);
      if (rec.state === 'succeeded') throw new InputError(`Run \`${runId}\` already succeeded; start a new one with \`clean\`.`);
      const job = await queue.getJob(runId);
      if (job) {
        const state = await job.getState();
        if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children')
          throw new InputError(`Run \`${runId}\` is still ${state === 'active' ? 'running' : 'queued'}; nothing to resume.`);
        await job.remove();
      }
      const request = parseRunRequest(rec.request);
      await registry.setCancelRequested(runId, false);
      // A plan cancelled or timed out is drafted again; an approved one still holds.
      if (rec.approval && rec.approval.state !== 'approved') await registry.setApproval(runId, undefined);
      await registry.setState(runId, 'queued');
      await queue.add(JOB_NAME, request, jobOptions(config, runId));
      return request;
    },
    async removeQueued(runId) {
      const job = await queue.getJob(runId);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
      try {
        await job.remove();
        return true;
      } catch {
        return false; // taken by a worker meanwhile
      }
    },
    async wake(runId) {
      const job = await queue.getJob(runId);
      if (!job || (await job.getState()) !== 'delayed') return false;
      try {
        await job.promote();
        return true;
      } catch {
        return false; // promoted or taken meanwhile
      }
    },
    async close() {
      await queue.close();
    },
  };
}
