/**
 * Inbound routing (DESIGN.md data flow): ignore itself → stop (reaction, Stop button or `stop`
 * in a run's thread) → button clicks (every one audited) → admin commands (clean, resume,
 * approve / cancel / `change …` on a plan; guarded and audited) → status/help → otherwise chat
 * mode. Enqueueing is fast, so triggers are answered within a platform's ack window.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { ChatAgent } from '../agent/chat/types.js';
import { DsbotError, toDsbotError } from '../errors.js';
import { makeRunId, parseRunRequest, type RunRequest, type RunSource } from '../queue/run-request.js';
import { isActiveState, type RunRegistry } from '../queue/run-registry.js';
import type { RunProducer } from '../queue/producer.js';
import type { RunControl } from '../queue/control.js';
import { checkAction } from './admin-guard.js';
import type { AuditLog } from './audit.js';
import { acceptUpload } from './uploads.js';
import { createPlanDecisions } from './plan-decisions.js';
import { createCorrections, isFixText } from './corrections.js';
import type { IncomingMessage, MessageHandler, RouterContext, RunAction } from './types.js';
import { dashboardLink } from '../queue/dashboard-link.js';
import { logLines } from '../observability/logger.js';

export interface RouterDeps {
  /** Datasets and the admin policy. */
  config: Config;
  /** Run records: dedup, thread → run, active runs per channel. */
  registry: RunRegistry;
  /** Enqueues, resumes and drops queued runs. */
  producer: RunProducer;
  /** Sends stops to the worker holding a run. */
  control: RunControl;
  /** Chat mode for everything that is not a command. */
  chat: ChatAgent;
  /** Where triggers, refusals and stops are written. */
  audit: AuditLog;
  /** Log lines. Default: stderr. */
  log?: (line: string) => void;
}

/** Reactions that stop a run. */
export const STOP_REACTIONS = new Set(['octagonal_sign', 'stop_sign', 'stop_button', 'no_entry', '🛑', '⏹️', '⏹', '⛔']);

/** A parsed command. */
export type ParsedCommand =
  | { cmd: 'clean'; arg: string }
  | { cmd: 'stop' | 'resume' | 'status' | 'approve'; arg?: string }
  | { cmd: 'change'; arg: string }
  | { cmd: 'fix' }
  | { cmd: 'help' }
  | { cmd: 'chat'; text: string };

const RUN_ID = /^run-[0-9a-f]{12,64}$/;

/**
 * Parses text into a command. Slash commands (`kind: 'command'`) always are commands; typed
 * messages only when they clearly are (`stop`, `clean <known dataset>`, `clean` + files…),
 * so "clean up this column?" stays a chat question.
 */
export function parseCommand(text: string, kind: IncomingMessage['kind'], datasets: string[], hasFiles: boolean): ParsedCommand {
  const trimmed = text.trim().replace(/^\//, '');
  const [head = '', ...rest] = trimmed.split(/\s+/);
  const word = head.toLowerCase();
  const arg = rest.join(' ').trim();
  const isCommand = kind === 'command';
  switch (word) {
    case 'clean':
      if (isCommand || hasFiles || datasets.includes(arg.split(/\s+/)[0]) || arg === '') return { cmd: 'clean', arg };
      break;
    case 'stop':
    case 'cancel':
      if (isCommand || arg === '' || RUN_ID.test(arg)) return { cmd: 'stop', arg: arg || undefined };
      break;
    case 'resume':
    case 'status':
    case 'approve':
      if (isCommand || arg === '' || RUN_ID.test(arg)) return { cmd: word, arg: arg || undefined };
      break;
    case 'change':
      // A reply to a plan; in a thread without one it is a chat question after all (see the router).
      if (arg) return { cmd: 'change', arg };
      break;
    case 'help':
      if (isCommand || arg === '') return { cmd: 'help' };
      break;
    case 'fix':
      // `fix <row> <column>=<value>` in a run's thread; "fix the dates?" stays a question
      if (isFixText(trimmed)) return { cmd: 'fix' };
      break;
    case 'ask':
      if (isCommand || arg) return { cmd: 'chat', text: arg };
      break;
  }
  if (isCommand && word) return { cmd: 'help' };
  return { cmd: 'chat', text: trimmed };
}

/** One line per run: id, input, requester, state and last message. */
export async function describeRuns(registry: RunRegistry, ids: string[]): Promise<string> {
  const lines: string[] = [];
  for (const id of ids) {
    const rec = await registry.get(id);
    if (!rec) lines.push(`\`${id}\`: unknown`);
    else {
      const s = rec.request.source;
      lines.push(`\`${id}\` (${s.kind === 'dataset' ? s.name : s.originalName}, by ${rec.request.requestedBy.userId}): ${rec.state}${rec.message ? ` — ${rec.message}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** The chat agent's `runStatus` tool over the registry: a thread's run, or the one named. */
export function runStatusFor(registry: RunRegistry): (input: { threadRef: string; runId?: string }) => Promise<string> {
  return async ({ threadRef, runId }) => {
    const id = runId ?? (await registry.findByRef(threadRef));
    return id ? describeRuns(registry, [id]) : 'No cleaning run has been started in this thread.';
  };
}

const OPTION_KEYS: Record<string, string> = {
  chunkrows: 'chunkRows',
  samplerows: 'sampleRows',
  maxsteps: 'maxSteps',
  outliers: 'outliers',
  approve: 'approve',
};

const YES = new Set(['yes', 'y', 'true', 'on', '1']);
const NO = new Set(['no', 'n', 'false', 'off', '0']);

/**
 * Splits `turtle_sales outliers=remove chunk_rows=1000` into the dataset name and per-run
 * options (validated later with the RunRequest; unknown keys are kept so the error names them).
 */
export function parseTriggerArgs(arg: string): { dataset: string; options: Record<string, string | number | boolean> } {
  const words = arg.split(/\s+/).filter(Boolean);
  const options: Record<string, string | number | boolean> = {};
  const rest: string[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) {
      rest.push(w);
      continue;
    }
    const raw = w.slice(0, eq);
    const key = OPTION_KEYS[raw.toLowerCase().replace(/[-_]/g, '')] ?? raw;
    const value = w.slice(eq + 1);
    if (key === 'approve' && (YES.has(value.toLowerCase()) || NO.has(value.toLowerCase()))) options[key] = YES.has(value.toLowerCase());
    else options[key] = key !== 'approve' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return { dataset: rest.join(' '), options };
}

export function helpText(config: Config): string {
  const names = Object.keys(config.datasets);
  return [
    'I clean CSV data and answer questions about it.',
    `• Ask anything, e.g. "which columns have missing values in ${names[0] ?? 'my data'}?"`,
    `• \`clean <dataset>\` (admins) starts a cleaning run — datasets: ${names.join(', ') || 'none registered'}; or attach a CSV with \`clean\`. Options: \`outliers=remove\`, \`chunk_rows=N\`, \`approve=yes\` (post the plan for approval first${config.approval.required ? '; on by default here' : ''}).`,
    '• `stop` (a 🛑 reaction, or the Stop button) in a run\'s thread stops it; `resume <run>` (or Resume) continues a stopped run.',
    '• On a plan: Approve or Cancel, or reply `change <what you want>` to send it back to the agent.',
    "• After a run (admins): reply `fix <row> <column>=<value>` (one line per row), or attach a corrections CSV (the file's header plus `row`), in its thread: a follow-up run learns the table's conventions from them and posts what changed.",
    '• `status [run]` shows a run, or the active runs here.',
  ].join('\n');
}

export function createRouter(deps: RouterDeps): MessageHandler {
  const { config, registry, producer, control, chat, audit } = deps;
  const log = deps.log ?? logLines('warn');
  const policy = config.admin;
  const base = (m: IncomingMessage) => ({ platform: m.platform, userId: m.user.id, channelRef: m.channelRef, threadRef: m.threadRef });
  const plans = createPlanDecisions({ config, registry, producer, audit });
  const corrections = createCorrections({ config, registry, producer, audit, log });

  async function stop(m: IncomingMessage, ctx: RouterContext, explicit: string | undefined, quietIfNone: boolean) {
    // A reaction names the message it is on; one on a message the worker did not post (a person's
    // reply in the run's thread) still finds the run through the thread.
    let runId = explicit ?? ((m.targetRef && (await registry.findByRef(m.targetRef))) || (await registry.findByRef(m.threadRef)));
    if (!explicit && m.kind === 'command') {
      // A slash command comes from the channel, whose ref names only the last run started there
      // by a command: when that one is over, the channel's single active run is meant.
      const found = runId ? await registry.get(runId) : undefined;
      if (!found || !isActiveState(found.state)) {
        const active = await registry.activeRuns(m.channelRef);
        if (active.length === 1) runId = active[0];
      }
    }
    if (!runId) {
      if (!quietIfNone) await ctx.reply({ text: 'There is no run in this thread to stop. Use `stop <run-id>` or `status` to list active runs.', ephemeral: true });
      return;
    }
    const rec = await registry.get(runId);
    if (!rec) return void (await ctx.reply({ text: `I don't know run \`${runId}\`.`, ephemeral: true }));
    const decision = checkAction(policy, {
      action: 'stop',
      platform: m.platform,
      userId: m.user.id,
      roles: m.user.roles,
      channelRef: m.channelRef,
      requesterId: rec.request.requestedBy.userId,
    });
    if (!decision.allowed) {
      await audit.write({ ...base(m), action: 'refusal', runId, reason: `stop:${decision.reason}`, text: m.text || m.reaction });
      return void (await ctx.reply({ text: decision.message, ephemeral: true }));
    }
    if (!isActiveState(rec.state)) {
      if (!quietIfNone) await ctx.reply({ text: `Run \`${runId}\` already ${rec.state}: there is nothing to stop.`, ephemeral: true });
      return;
    }
    // A run waiting at its plan holds no worker: its plan is cancelled, and the worker woken to say so.
    if (rec.approval?.state === 'pending' && (await registry.decideApproval(runId, { state: 'cancelled', by: m.user.id }))) {
      await registry.setCancelRequested(runId, true);
      await plans.wakeParked(runId);
      await audit.write({ ...base(m), action: 'stop', runId, text: m.text || m.reaction || 'button:stop' });
      return void (await ctx.reply({ text: `Cancelling \`${runId}\` at its plan; nothing was changed.`, ephemeral: true }));
    }
    // The flag first (a worker taking the job later sees it), then the message to the holder.
    await registry.setCancelRequested(runId, true);
    if (rec.state === 'queued' && (await producer.removeQueued(runId))) {
      await registry.setState(runId, 'stopped', `Stopped by ${m.user.id} before it started.`);
      await audit.write({ ...base(m), action: 'stop', runId, text: m.text || m.reaction });
      return void (await ctx.reply({ text: `🛑 Run \`${runId}\` stopped before it started; nothing was changed.` }));
    }
    const reached = await control.cancel(runId, m.user.id);
    const jobState = await producer.queue.getJobState(runId);
    if (jobState === 'unknown' || jobState === 'failed' || jobState === 'completed') {
      // No worker holds it (its job ended without updating the run): record the stop here.
      await registry.setState(runId, 'stopped', `Stopped by ${m.user.id}; its job had already ended (${jobState}).`);
      await audit.write({ ...base(m), action: 'stop', runId, text: m.text || m.reaction });
      return void (await ctx.reply({ text: `🛑 Run \`${runId}\` marked stopped: no worker was running it (job ${jobState}). Committed chunks are kept; \`resume ${runId}\` continues it.` }));
    }
    await audit.write({ ...base(m), action: 'stop', runId, text: m.text || m.reaction });
    log(`dsbot router: stop ${runId} by ${m.user.id} (sent to ${reached} subscriber(s))`);
    await ctx.reply({ text: `Stopping \`${runId}\`… committed chunks are kept.`, ephemeral: true });
  }

  async function trigger(m: IncomingMessage, ctx: RouterContext, args: string) {
    const datasets = Object.keys(config.datasets);
    const { dataset: arg, options } = parseTriggerArgs(args);
    const decision = checkAction(policy, {
      action: 'trigger',
      platform: m.platform,
      userId: m.user.id,
      roles: m.user.roles,
      channelRef: m.channelRef,
      activeRunsInChannel: (await registry.activeRuns(m.channelRef)).length,
    });
    if (!decision.allowed) {
      await audit.write({ ...base(m), action: 'refusal', reason: decision.reason, text: m.text });
      return void (await ctx.reply({ text: decision.message, ephemeral: true }));
    }
    const file = m.files[0];
    if (!file && !datasets.includes(arg)) {
      await audit.write({ ...base(m), action: 'refusal', reason: 'unknown_dataset', text: m.text });
      const what = arg ? `I don't know a dataset called "${arg}".` : 'Which dataset?';
      return void (await ctx.reply({ text: `${what} Use \`clean <dataset>\` with one of: ${datasets.join(', ') || 'none'}; or attach a CSV.`, ephemeral: true }));
    }
    const sourceKey = file ? `upload:${file.name}:${file.size}` : `dataset:${arg}`;
    const runId = makeRunId({ channelRef: m.channelRef, source: sourceKey, triggerMessageId: m.messageId });
    if (!(await registry.claim(runId))) {
      await audit.write({ ...base(m), action: 'duplicate', runId, text: m.text });
      return;
    }
    if (!(await registry.reserveSlot(m.channelRef, runId, policy.maxActiveRunsPerChannel))) {
      // Another trigger took the last slot since the guard looked.
      const busy = checkAction(policy, { action: 'trigger', platform: m.platform, userId: m.user.id, roles: m.user.roles, channelRef: m.channelRef, activeRunsInChannel: policy.maxActiveRunsPerChannel });
      await audit.write({ ...base(m), action: 'refusal', runId, reason: 'too_many_runs', text: m.text });
      return void (await ctx.reply({ text: busy.allowed ? 'This channel is busy.' : busy.message, ephemeral: true }));
    }
    let request: RunRequest;
    let label: string;
    try {
      let source: RunSource;
      if (file) {
        const saved = await acceptUpload(file, { dir: path.join(config.dataDir, 'uploads'), maxMb: policy.maxUploadMb, key: runId });
        source = { kind: 'upload', path: saved.path, originalName: saved.originalName, bytes: saved.bytes };
      } else source = { kind: 'dataset', name: arg };
      label = source.kind === 'dataset' ? source.name : source.originalName;
      const fields = {
        version: 1,
        runId,
        source,
        options,
        requestedBy: { platform: m.platform, userId: m.user.id, name: m.user.name },
        channelRef: m.channelRef,
        triggerMessageId: m.messageId,
        requestedAt: Date.now(),
      };
      parseRunRequest({ ...fields, threadRef: m.threadRef }); // bad options are refused before a run thread is opened
      const threadRef = ctx.openRunThread ? await ctx.openRunThread(runId, `Cleaning ${label}`) : m.threadRef;
      request = parseRunRequest({ ...fields, threadRef });
      await registry.create(request);
      await producer.enqueue(request);
    } catch (err) {
      const e = toDsbotError(err);
      await registry.remove(runId);
      await registry.releaseSlot(m.channelRef, runId);
      await audit.write({ ...base(m), action: 'refusal', runId, reason: `${e.kind}: ${e.message}`, text: m.text });
      await ctx.reply({ text: e.kind === 'input' ? e.message : `I could not start the run (${e.kind}): ${e.message}`, ephemeral: true });
      if (e.kind !== 'input') log(`dsbot router: trigger failed: ${e.message}`);
      return;
    }
    // The run is queued: what follows can fail (a platform error on the reply) without undoing it.
    try {
      if (request.threadRef !== m.threadRef) await registry.linkRef(m.threadRef, runId);
      await audit.write({ ...base(m), action: 'trigger', runId, text: m.text });
      await ctx.reply({ text: `🧹 Run \`${runId}\` queued: cleaning ${label}. Progress follows in the thread; stop it with 🛑 or \`stop\`.` });
    } catch (err) {
      log(`dsbot router: run ${runId} is queued, but telling the user failed: ${toDsbotError(err).message}`);
    }
  }

  async function resume(m: IncomingMessage, ctx: RouterContext, explicit: string | undefined) {
    const runId = explicit ?? (await registry.findByRef(m.threadRef));
    if (!runId) return void (await ctx.reply({ text: 'Which run? Use `resume <run-id>`.', ephemeral: true }));
    const decision = checkAction(policy, { action: 'resume', platform: m.platform, userId: m.user.id, roles: m.user.roles, channelRef: m.channelRef });
    if (!decision.allowed) {
      await audit.write({ ...base(m), action: 'refusal', runId, reason: `resume:${decision.reason}`, text: m.text });
      return void (await ctx.reply({ text: decision.message, ephemeral: true }));
    }
    // A resumed run counts against its channel's limit like a new one.
    const rec = await registry.get(runId);
    if (rec) {
      await registry.activeRuns(rec.request.channelRef); // drops finished runs from the channel's set
      if (!(await registry.reserveSlot(rec.request.channelRef, runId, policy.maxActiveRunsPerChannel))) {
        await audit.write({ ...base(m), action: 'refusal', runId, reason: 'resume:too_many_runs', text: m.text });
        return void (await ctx.reply({ text: `That channel already has ${policy.maxActiveRunsPerChannel} active run(s); stop one or wait, then resume \`${runId}\`.`, ephemeral: true }));
      }
    }
    try {
      await producer.resume(runId);
    } catch (err) {
      const e = toDsbotError(err);
      const now = rec && (await registry.get(runId));
      if (rec && now && !isActiveState(now.state)) await registry.releaseSlot(rec.request.channelRef, runId);
      return void (await ctx.reply({ text: e.message, ephemeral: true }));
    }
    await audit.write({ ...base(m), action: 'resume', runId, text: m.text });
    await ctx.reply({ text: `↩️ Resuming \`${runId}\` from its first uncommitted chunk.` });
  }

  /** A button click: audited first, then the same paths as the typed commands. */
  async function click(m: IncomingMessage, ctx: RouterContext, action: RunAction) {
    await audit.write({ ...base(m), action: 'click', button: action.name, runId: action.runId, text: `button:${action.name}` });
    switch (action.name) {
      case 'stop':
        return stop(m, ctx, action.runId, false);
      case 'resume':
        return resume(m, ctx, action.runId);
      case 'approve':
        return void (await plans.decide(m, ctx, action.runId, 'approved'));
      case 'cancel':
        return void (await plans.decide(m, ctx, action.runId, 'cancelled'));
    }
  }

  async function status(m: IncomingMessage, ctx: RouterContext, explicit: string | undefined) {
    const runId = explicit ?? (await registry.findByRef(m.threadRef));
    const ids = runId ? [runId] : await registry.activeRuns(m.channelRef);
    if (ids.length === 0) return void (await ctx.reply({ text: 'No active runs here.' }));
    const link = dashboardLink(config, ids.length === 1 ? ids[0] : undefined);
    await ctx.reply({ text: `${await describeRuns(registry, ids)}${link ? `\nQueue dashboard: ${link}` : ''}` });
  }

  async function answer(m: IncomingMessage, ctx: RouterContext, text: string) {
    if (!text) return void (await ctx.reply({ text: helpText(config) }));
    try {
      const a = await chat.answer({ threadRef: m.threadRef, userId: m.user.id, text });
      await ctx.reply({ text: a.text });
    } catch (err) {
      const e = toDsbotError(err);
      log(`dsbot router: chat failed (${e.kind}): ${e.message}`);
      await ctx.reply({ text: e instanceof DsbotError && e.kind === 'input' ? e.message : `Sorry, I could not answer that (${e.kind}): ${e.message}` });
    }
  }

  return async (m, ctx) => {
    if (m.isSelf || m.user.isBot) return;
    if (m.kind === 'reaction') {
      if (m.reaction && STOP_REACTIONS.has(m.reaction)) await stop(m, ctx, undefined, true);
      return;
    }
    if (m.kind === 'action') return m.action ? click(m, ctx, m.action) : undefined;
    const parsed = parseCommand(m.text, m.kind, Object.keys(config.datasets), m.files.length > 0);
    // A CSV attached in a run's thread without a command: corrections of that run.
    if (parsed.cmd === 'chat' && m.files.length > 0 && (await registry.findByRef(m.threadRef))) return corrections.handle(m, ctx);
    switch (parsed.cmd) {
      case 'stop':
        return stop(m, ctx, parsed.arg, false);
      case 'clean':
        return trigger(m, ctx, parsed.arg);
      case 'resume':
        return resume(m, ctx, parsed.arg);
      case 'status':
        return status(m, ctx, parsed.arg);
      case 'approve':
        return void (await plans.decide(m, ctx, parsed.arg, 'approved'));
      case 'change':
        if (await plans.decide(m, ctx, undefined, 'change', parsed.arg, true)) return;
        return answer(m, ctx, m.text.trim());
      case 'help':
        return void (await ctx.reply({ text: helpText(config) }));
      case 'fix':
        return corrections.handle(m, ctx);
      case 'chat':
        return answer(m, ctx, parsed.text);
    }
  };
}
