/**
 * Plan approval with the REAL engine (builtin model, real kernel in the local sandbox), real
 * Redis/BullMQ and the console platform: a run asked to wait posts its plan (what each column
 * would change, with examples, measured on the sample) with Approve / Cancel, is parked without
 * holding a worker slot (its job is delayed, another run goes through the one slot meanwhile),
 * and continues on approval from the drafted recipe; Cancel ends it with nothing changed; a
 * reply `change …` sends the instruction to the model and posts a new plan; no decision by the
 * deadline ends it; non-admins are refused and every click is audited.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { recording } from '../helpers/run-harness.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { createSandbox } from '../../src/sandbox/index.js';
import type { ConsoleEntry } from '../../src/bots/console/sink.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function writePeople(dir: string, name: string, n: number): string {
  const rows = ['id,name,age,city'];
  for (let i = 1; i <= n; i++) rows.push(`${i},person ${i},${i % 7 === 0 ? 'N/A' : 20 + (i % 50)},${i % 2 ? 'Leeds' : ' leeds '}`);
  const file = path.join(dir, name);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

async function waitFor<T>(cond: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const planPost = (entries: ConsoleEntry[]) => entries.find((e) => e.kind === 'post' && e.actions?.some((a) => a.name === 'approve'));
const audit = (h: Harness) => readFileSync(path.join(h.config.dataDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);

async function startRun(h: Harness, text: string): Promise<string> {
  const before = await h.registry.findByRef(h.console.threadRef);
  await h.console.say(text);
  return waitFor(async () => {
    const id = await h.registry.findByRef(h.console.threadRef);
    return id !== before && id;
  }, 10_000, 'the run id');
}

describe('plan approval (real engine)', () => {
  it('parks at the plan without a worker slot; another run goes through meanwhile; Approve continues from the drafted recipe', async () => {
    h = await createHarness({ overrides: { queue: { concurrency: 1 }, admin: { maxActiveRunsPerChannel: 2 } } });
    h.config.datasets.people = { path: writePeople(h.config.dataDir, 'people.csv', 60) };
    const waiting = await startRun(h, 'clean people approve=yes');
    expect(await h.waitForState(waiting, ['awaiting_approval', 'failed', 'succeeded'], 90_000)).toBe('awaiting_approval');
    // Parked: a delayed job, nothing running here.
    expect(await h.producer.queue.getJobState(waiting)).toBe('delayed');
    expect(h.worker!.activeRuns()).toEqual([]);
    const plan = await waitFor(() => planPost(h!.sinks[0].entries), 10_000, 'the plan post');
    expect(plan.actions!.map((a) => `${a.name}:${a.runId}`)).toEqual([`approve:${waiting}`, `cancel:${waiting}`]);
    expect(plan.text).toMatch(/Plan for run .* nothing has been changed yet\. Measured on all 60 rows/);
    expect(plan.text).toMatch(/• `city`: \d+ cells? .*e\.g\. ` leeds ` → `/); // what changes, with a before → after
    expect(plan.text).toMatch(/`age`: \d+ cells?/);
    expect(h.sinks[0].entries.filter((e) => e.kind === 'status').at(-1)!.view!.state).toBe('waiting');
    const outDir = path.join(h.config.dataDir, 'runs', waiting);
    expect(existsSync(path.join(outDir, 'recipe.py'))).toBe(true);
    expect(existsSync(path.join(outDir, 'cleaned.csv'))).toBe(false); // nothing changed yet

    // The single worker slot is free: another run in the channel goes through while the plan waits.
    const other = await startRun(h, 'clean people');
    expect(await h.waitForState(other, ['succeeded', 'failed'], 90_000)).toBe('succeeded');
    expect((await h.registry.get(waiting))!.state).toBe('awaiting_approval');

    await h.console.click('approve', waiting, 'admin');
    expect(await h.waitForState(waiting, ['succeeded', 'failed', 'stopped'], 90_000)).toBe('succeeded');
    expect(existsSync(path.join(outDir, 'cleaned.csv'))).toBe(true);
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    expect(report.model_calls).toBe(0); // the approved recipe was replayed, not drafted again
    expect(h.transcript.join('')).toMatch(/Plan of `run-[0-9a-f]+` approved by admin/);
    const attempt2 = h.sinks.find((s) => s.entries.some((e) => e.text.includes('succeeded') && e.text.includes(waiting)))!;
    expect(attempt2.entries.find((e) => e.kind === 'status')!.ref).toBe(h.sinks[0].entries.find((e) => e.kind === 'status')!.ref); // same status message
    expect(audit(h).filter((a) => a.runId === waiting).map((a) => a.action)).toEqual(['trigger', 'click', 'approve']);
  });

  it('Cancel (by an admin) ends the run with nothing changed; a non-admin is refused; a click on the finished run says so; every click audited', async () => {
    h = await createHarness();
    h.config.datasets.people = { path: writePeople(h.config.dataDir, 'people.csv', 40) };
    const runId = await startRun(h, 'clean people approve=yes');
    expect(await h.waitForState(runId, ['awaiting_approval', 'failed'], 90_000)).toBe('awaiting_approval');
    await h.console.click('approve', runId, 'guest');
    expect(h.transcript.join('')).toMatch(/dsbot \(only you\): Sorry, only admins can approve plans/);
    expect((await h.registry.get(runId))!.state).toBe('awaiting_approval');
    await h.console.click('cancel', runId, 'admin');
    expect(await h.waitForState(runId, ['stopped', 'failed', 'succeeded'], 30_000)).toBe('stopped');
    expect((await h.registry.get(runId))!.message).toMatch(/Cancelled at the plan by admin; nothing was changed/);
    await waitFor(() => h!.sinks.at(-1)!.entries.some((e) => e.kind === 'post' && /Cancelled at the plan/.test(e.text)), 10_000, 'the cancel post');
    const lastStatus = h.sinks.at(-1)!.entries.filter((e) => e.kind === 'status').at(-1)!;
    expect(lastStatus.view!.state).toBe('stopped');
    expect(lastStatus.actions?.map((a) => a.name)).toEqual(['resume']);
    expect(existsSync(path.join(h.config.dataDir, 'runs', runId, 'cleaned.csv'))).toBe(false);
    await h.console.click('approve', runId, 'admin');
    expect(h.transcript.join('')).toMatch(/already stopped; there is no plan to approve/);
    await h.console.click('stop', runId, 'admin');
    expect(h.transcript.join('')).toMatch(/already stopped: there is nothing to stop/);
    const clicks = audit(h).filter((a) => a.action === 'click').map((a) => `${a.userId}:${a.button}`);
    expect(clicks).toEqual(['guest:approve', 'admin:cancel', 'admin:approve', 'admin:stop']);
    expect(audit(h).some((a) => a.action === 'refusal' && a.userId === 'guest' && a.reason === 'approve:not_admin')).toBe(true);
  });

  it('a reply `change …` sends the instruction to the model and posts a new plan; no decision by the deadline ends the run', async () => {
    const model = recording();
    h = await createHarness({
      overrides: { approval: { timeoutMs: 4_000 } },
      runDeps: async () => ({ config: h!.config, model, knowledge: new MemoryKnowledgeStore(), createSandbox: () => createSandbox(h!.config.sandbox) }),
    });
    h.config.datasets.people = { path: writePeople(h.config.dataDir, 'people.csv', 40) };
    const runId = await startRun(h, 'clean people approve=yes');
    expect(await h.waitForState(runId, ['awaiting_approval', 'failed'], 90_000)).toBe('awaiting_approval');
    const calls = model.requests.length;
    await h.console.say('change keep the city column exactly as it is');
    await waitFor(() => h!.sinks.length >= 2 && planPost(h!.sinks[1].entries), 90_000, 'the second plan');
    expect(await h.waitForState(runId, ['awaiting_approval', 'failed'], 30_000)).toBe('awaiting_approval');
    const asked = model.requests.slice(calls).map((r) => r.messages.map((m) => m.content).join('\n')).join('\n');
    expect(asked).toContain('An admin reviewed the plan of your recipe and asks for a change:\nkeep the city column exactly as it is');
    expect((await h.registry.get(runId))!.approval).toMatchObject({ state: 'pending', round: 2 });
    // The builtin model cannot follow the instruction: the thread says so rather than pretend.
    expect(h.sinks[1].entries.map((e) => e.text).join('\n')).toMatch(/builtin model does not follow written instructions/);
    // Nobody decides: the deadline (approval.timeoutMs) ends the run, nothing changed.
    expect(await h.waitForState(runId, ['stopped', 'succeeded', 'failed'], 30_000)).toBe('stopped');
    expect((await h.registry.get(runId))!.message).toMatch(/not approved within 4 s .*nothing was changed/);
    expect(existsSync(path.join(h.config.dataDir, 'runs', runId, 'cleaned.csv'))).toBe(false);
    expect(await h.producer.queue.getJobState(runId)).toBe('completed');
  });
});
