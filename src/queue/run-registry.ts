/**
 * What the bot knows about runs, shared by bot and worker processes through Redis:
 * runId → record; message/thread ref → runId (so `stop` in a thread or a reaction on any
 * message the worker posted finds the run); active runs per channel.
 */
import type { Redis } from 'ioredis';
import type { RunRequest } from './run-request.js';

export type RunState = 'queued' | 'running' | 'awaiting_approval' | 'succeeded' | 'stopped' | 'failed';

/** True for states in which a run counts as active in its channel (a run waiting for approval holds no worker, but its channel slot). */
export function isActiveState(state: RunState): boolean {
  return state === 'queued' || state === 'running' || state === 'awaiting_approval';
}

/** Where a run's plan approval stands (runs that need approval only). */
export interface Approval {
  /** `pending`: the plan is posted and waits; the others are a person's decision, acted on by the worker. */
  state: 'pending' | 'approved' | 'change' | 'cancelled';
  /** For `change`: what the admin asked for. */
  instruction?: string;
  /** Who decided (platform user id). */
  by?: string;
  /** Epoch ms after which a pending plan times out. */
  deadline?: number;
  /** Plans posted so far (1 for the first draft, +1 per change). */
  round: number;
}

export interface RunRecord {
  /** The run (= BullMQ job) id. */
  runId: string;
  /** Where the run is now. */
  state: RunState;
  /** The request as enqueued (resume re-enqueues it). */
  request: RunRequest;
  /** Ref of the status message, once posted. */
  statusRef?: string;
  /** Last human-readable outcome (finished message or error). */
  message?: string;
  /** A stop was asked for (checked by a worker that picks the job up later). */
  cancelRequested: boolean;
  /** Plan approval, once the run drafted a plan that needs one. */
  approval?: Approval;
  /** Epoch ms the run was recorded. */
  createdAt: number;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

export interface RunRegistry {
  /** Claims a run id once (dedup of a trigger delivered twice); false when already claimed. */
  claim(runId: string): Promise<boolean>;
  /** Records a new run; false when a run with this id already exists (double trigger). */
  create(request: RunRequest): Promise<boolean>;
  /** The record, or undefined. */
  get(runId: string): Promise<RunRecord | undefined>;
  /** Deletes a run's record (used when a trigger is refused after the id was claimed). */
  remove(runId: string): Promise<void>;
  /** Sets the state (and optional message); keeps the channel's active set in step. */
  setState(runId: string, state: RunState, message?: string): Promise<void>;
  /** Records the status message's ref (and links it to the run). */
  setStatusRef(runId: string, ref: string): Promise<void>;
  /** Marks (or clears) a requested stop. */
  setCancelRequested(runId: string, value: boolean): Promise<void>;
  /** True when a stop was asked for (workers poll it in case a pub/sub message was missed). */
  isCancelRequested(runId: string): Promise<boolean>;
  /** Links a thread or message ref to a run; the latest link of a ref wins. */
  linkRef(ref: string, runId: string): Promise<void>;
  /** The run a thread or message ref belongs to. */
  findByRef(ref: string): Promise<string | undefined>;
  /** Ids of the channel's queued or running runs (drops stale entries). */
  activeRuns(channelRef: string): Promise<string[]>;
  /**
   * Atomically counts `runId` as active in the channel if fewer than `max` runs are; false
   * when the channel is full (two triggers at once cannot both pass the limit).
   */
  reserveSlot(channelRef: string, runId: string, max: number): Promise<boolean>;
  /** Undoes `reserveSlot` (the trigger was refused after all). */
  releaseSlot(channelRef: string, runId: string): Promise<void>;
  /** Records where the run's plan approval stands (undefined: forget it, e.g. a resume drafts a new plan). */
  setApproval(runId: string, approval: Approval | undefined): Promise<void>;
  /**
   * Records a person's decision on a pending plan, atomically: true when the plan was pending
   * (this decision counts), false when it was already decided or there is none.
   */
  decideApproval(runId: string, decision: Omit<Approval, 'round' | 'deadline'>): Promise<boolean>;
  /** The most recently created runs, newest first (at most the last 500 are kept in the index). */
  recent(limit: number): Promise<RunRecord[]>;
}

const TTL_S = 30 * 24 * 3600;

/** How long a reserved slot counts while its run record is still being made (an upload downloading). */
const PENDING_S = 600;

/**
 * KEYS[1] active set, KEYS[2] the run's pending marker; ARGV: runId, max, pending seconds.
 * 1 when added (or already in), 0 when full.
 */
const RESERVE_LUA = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[3]))
return 1`;

/** KEYS[1] the run's hash; ARGV[1] the decision JSON. Sets `approval` only if it is pending. */
const DECIDE_LUA = `
local cur = redis.call('HGET', KEYS[1], 'approval')
if not cur then return 0 end
local a = cjson.decode(cur)
if a.state ~= 'pending' then return 0 end
local d = cjson.decode(ARGV[1])
d.round = a.round
d.deadline = a.deadline
redis.call('HSET', KEYS[1], 'approval', cjson.encode(d), 'updatedAt', ARGV[2])
return 1`;

const RECENT_MAX = 500;

/** Registry over Redis hashes under `<prefix>:reg:`. */
export function createRunRegistry(redis: Redis, prefix: string): RunRegistry {
  const runKey = (id: string) => `${prefix}:reg:run:${id}`;
  const refKey = (ref: string) => `${prefix}:reg:ref:${ref}`;
  const activeKey = (channel: string) => `${prefix}:reg:active:${channel}`;
  const pendingKey = (id: string) => `${prefix}:reg:pending:${id}`;
  const recentKey = `${prefix}:reg:recent`;

  const get = async (runId: string): Promise<RunRecord | undefined> => {
    const h = await redis.hgetall(runKey(runId));
    if (!h.runId || !h.request) return undefined;
    return {
      runId: h.runId,
      state: h.state as RunState,
      request: JSON.parse(h.request) as RunRequest,
      statusRef: h.statusRef || undefined,
      message: h.message || undefined,
      cancelRequested: h.cancelRequested === '1',
      approval: h.approval ? (JSON.parse(h.approval) as Approval) : undefined,
      createdAt: Number(h.createdAt),
      updatedAt: Number(h.updatedAt),
    };
  };

  const linkRef = async (ref: string, runId: string) => {
    await redis.set(refKey(ref), runId, 'EX', TTL_S);
  };

  return {
    async claim(runId) {
      return (await redis.set(`${prefix}:reg:claim:${runId}`, '1', 'EX', TTL_S, 'NX')) === 'OK';
    },
    async create(request) {
      const key = runKey(request.runId);
      const now = Date.now();
      const claimed = await redis.hsetnx(key, 'runId', request.runId);
      if (!claimed) return false;
      await redis
        .multi()
        .hset(key, { state: 'queued', request: JSON.stringify(request), cancelRequested: '0', createdAt: now, updatedAt: now })
        .expire(key, TTL_S)
        .sadd(activeKey(request.channelRef), request.runId)
        .set(refKey(request.threadRef), request.runId, 'EX', TTL_S)
        .zadd(recentKey, now, request.runId)
        .zremrangebyrank(recentKey, 0, -RECENT_MAX - 1)
        .exec();
      return true;
    },
    get,
    async remove(runId) {
      const rec = await get(runId);
      const m = redis.multi().del(runKey(runId));
      if (rec) m.srem(activeKey(rec.request.channelRef), runId);
      await m.exec();
    },
    async setState(runId, state, message) {
      const rec = await get(runId);
      if (!rec) return;
      const fields: Record<string, string | number> = { state, updatedAt: Date.now() };
      if (message !== undefined) fields.message = message;
      const m = redis.multi().hset(runKey(runId), fields);
      if (isActiveState(state)) m.sadd(activeKey(rec.request.channelRef), runId);
      else m.srem(activeKey(rec.request.channelRef), runId);
      await m.exec();
    },
    async setStatusRef(runId, ref) {
      await redis.hset(runKey(runId), { statusRef: ref, updatedAt: Date.now() });
      await linkRef(ref, runId);
    },
    async setCancelRequested(runId, value) {
      await redis.hset(runKey(runId), { cancelRequested: value ? '1' : '0', updatedAt: Date.now() });
    },
    async isCancelRequested(runId) {
      return (await redis.hget(runKey(runId), 'cancelRequested')) === '1';
    },
    linkRef,
    async findByRef(ref) {
      return (await redis.get(refKey(ref))) ?? undefined;
    },
    async reserveSlot(channelRef, runId, max) {
      return (await redis.eval(RESERVE_LUA, 2, activeKey(channelRef), pendingKey(runId), runId, String(max), String(PENDING_S))) === 1;
    },
    async releaseSlot(channelRef, runId) {
      await redis.srem(activeKey(channelRef), runId);
      await redis.del(pendingKey(runId));
    },
    async setApproval(runId, approval) {
      if (approval) await redis.hset(runKey(runId), { approval: JSON.stringify(approval), updatedAt: Date.now() });
      else await redis.hdel(runKey(runId), 'approval');
    },
    async decideApproval(runId, decision) {
      return (await redis.eval(DECIDE_LUA, 1, runKey(runId), JSON.stringify(decision), String(Date.now()))) === 1;
    },
    async recent(limit) {
      const ids = await redis.zrevrange(recentKey, 0, Math.max(0, limit - 1));
      const out: RunRecord[] = [];
      for (const id of ids) {
        const rec = await get(id);
        if (rec) out.push(rec);
      }
      return out;
    },
    async activeRuns(channelRef) {
      const ids = await redis.smembers(activeKey(channelRef));
      const out: string[] = [];
      for (const id of ids) {
        const rec = await get(id);
        // A reservation whose record is still being made (a concurrent trigger) counts too.
        if (rec ? isActiveState(rec.state) : (await redis.exists(pendingKey(id))) === 1) out.push(id);
        else await redis.srem(activeKey(channelRef), id);
      }
      return out;
    },
  };
}
