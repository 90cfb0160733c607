/**
 * `npm run bench:clean [-- --rows N[,N...]] [--chunk-rows C]`: dsbot end to end vs a one-shot
 * pandas script, at one or more sizes in one run.
 *
 * For every size in `--rows` (default 1000000; a comma-separated list such as
 * `--rows 1000000,10000000` runs each size in turn) a Turtle-reviews-like CSV with injected errors
 * is generated (cached in bench/out/reviews-N.csv), cleaned with the builtin model by the real
 * engine (kernel in the local sandbox, recipe replayed chunk by chunk), then the recipe that run
 * wrote is applied by a one-shot pandas script (whole file in memory). A 10,000-row file is
 * cleaned once, before the sizes, to compare model calls.
 *
 * Figures per size:
 * - `ratio` (the headline): one-shot seconds / dsbot end-to-end seconds, i.e. dsbot end-to-end
 *   rows/s over one-shot rows/s. dsbot end to end is the whole run (kernel start, memory, profile,
 *   draft, replay, outputs); the one-shot is timed inside its script, after Python and pandas
 *   have started, from reading the file to writing the cleaned CSV.
 * - `replay_ratio`: one-shot seconds / dsbot replay + outputs seconds (applying the recipe only;
 *   what `ratio` meant before end-to-end became the headline).
 * - `phases`: seconds of profile, draft, replay and outputs (the run's `reflect` phase).
 * - Peak RSS: `dsbot_peak_rss_mb` is the kernel's max(RUSAGE_SELF, RUSAGE_CHILDREN) ru_maxrss,
 *   read in the kernel just before it closes; `dsbot_children_peak_rss_mb` is the children
 *   figure alone: RUSAGE_CHILDREN (descendants that ended and were waited for) and, so workers
 *   still alive at the end count too, the largest VmHWM of live descendants. Both are the peak
 *   of the single largest process, not a sum over processes running together, and a forked
 *   child's figure counts the pages it shared with its parent when it forked: today the children
 *   are `uname -p` (pandas' import) and `fc-list` (matplotlib's font cache, in the outputs), so
 *   the children figure is roughly the kernel's RSS at that moment. The one-shot's peak is
 *   measured the same way in its own process (`oneshot_peak_rss_mb`,
 *   `oneshot_children_peak_rss_mb`).
 * - `model_calls` of each size's run; `model_calls_equal` says whether every size used as many
 *   calls as the 10,000-row run.
 *
 * Output: human-readable lines per size, then the LAST line is one JSON object:
 * {"sizes":[{rows, end_to_end_s, oneshot_s, ratio, replay_ratio,
 *   phases:{profile_s, draft_s, replay_s, outputs_s}, dsbot_peak_rss_mb,
 *   dsbot_children_peak_rss_mb, oneshot_peak_rss_mb, oneshot_children_peak_rss_mb, model_calls}],
 *  "model_calls_small": n, "model_calls_equal": bool}
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RunEvent } from '../src/agent/events.js';
import { createBuiltinModel } from '../src/agent/models/builtin.js';
import { runCleaning } from '../src/agent/run.js';
import { loadConfig } from '../src/config/load.js';
import { MemoryKnowledgeStore } from '../src/knowledge/memory-store.js';
import { createSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/types.js';
import { generateReviews } from './gen-reviews.js';

const SMALL_ROWS = 10_000;

class UsageError extends Error {}

/** A whole number ≥ 1 from one command-line value, or a clear error naming the option. */
function positiveInt(option: string, raw: string): number {
  const s = raw.trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`${option}: ${JSON.stringify(raw)} is not a whole number (use digits only, e.g. ${option} 1000000)`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${option}: ${s} is too large`);
  if (n < 1) throw new UsageError(`${option}: ${s} must be at least 1`);
  return n;
}

/** `--rows 1000000` or `--rows 1000000,10000000`: the sizes in the order given, duplicates dropped. */
function parseRows(raw: string): number[] {
  const parts = raw.split(',');
  if (parts.some((p) => p.trim() === '')) throw new UsageError(`--rows: ${JSON.stringify(raw)} has an empty entry (expected e.g. --rows 1000000 or --rows 1000000,10000000)`);
  return [...new Set(parts.map((p) => positiveInt('--rows', p)))];
}

/** Defines `_dsbot_bench_peak()`: peak RSS in KB of this Python process and of its descendants. */
const PEAK_RSS_FN = `
import json as _j, os as _o, resource as _r
def _dsbot_bench_peak():
    me = _r.getrusage(_r.RUSAGE_SELF).ru_maxrss
    ended = _r.getrusage(_r.RUSAGE_CHILDREN).ru_maxrss
    parent, live = {}, 0
    try:
        for p in _o.listdir('/proc'):
            if p.isdigit():
                try:
                    with open('/proc/%s/stat' % p) as f:
                        parent[int(p)] = int(f.read().rsplit(')', 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    pass
        mine, todo = set(), [_o.getpid()]
        while todo:
            t = todo.pop()
            for c, pp in parent.items():
                if pp == t and c not in mine:
                    mine.add(c)
                    todo.append(c)
        for c in mine:
            try:
                with open('/proc/%d/status' % c) as f:
                    for line in f:
                        if line.startswith('VmHWM:'):
                            live = max(live, int(line.split()[1]))
            except OSError:
                pass
    except OSError:
        pass
    return {"self_kb": me, "children_kb": max(ended, live)}
`;

interface Peak {
  selfMb: number;
  childrenMb: number;
}

function readPeak(stdout: string | undefined): Peak | undefined {
  const line = stdout?.trim().split('\n').at(-1);
  if (!line) return undefined;
  try {
    const p = JSON.parse(line) as { self_kb: number; children_kb: number };
    return { selfMb: p.self_kb / 1024, childrenMb: p.children_kb / 1024 };
  } catch {
    return undefined;
  }
}

/** Wraps a sandbox so its kernel's peak RSS (itself and its children) is read just before it closes. */
function measured(inner: Sandbox, peak: Peak): Sandbox {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'close') {
        return async () => {
          const r = await target.exec(`${PEAK_RSS_FN}\nprint(_j.dumps(_dsbot_bench_peak()))`).catch(() => undefined);
          const p = readPeak(r?.stdout);
          if (p) {
            peak.selfMb = Math.max(peak.selfMb, p.selfMb);
            peak.childrenMb = Math.max(peak.childrenMb, p.childrenMb);
          } else console.warn('  (could not read the kernel peak RSS)');
          return target.close();
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

interface DsbotResult {
  outDir: string;
  totalS: number;
  applyS: number;
  phases: { profile_s: number; draft_s: number; replay_s: number; outputs_s: number };
  modelCalls: number;
  peak: Peak;
}

async function dsbotClean(file: string, name: string): Promise<DsbotResult> {
  const outDir = path.join(root, name);
  rmSync(outDir, { recursive: true, force: true });
  const peak: Peak = { selfMb: 0, childrenMb: 0 };
  const deps = { config, model: createBuiltinModel(), knowledge: new MemoryKnowledgeStore(), createSandbox: () => measured(createSandbox(config.sandbox), peak) };
  const at: Record<string, number> = {};
  const started = Date.now();
  let finished: Extract<RunEvent, { type: 'run_finished' }> | undefined;
  for await (const e of runCleaning({ runId: name, inputPath: file, outDir }, deps)) {
    if (e.type === 'phase') at[`${e.phase}:${e.status}`] = e.at;
    if (e.type === 'run_finished') finished = e;
  }
  if (finished?.status !== 'succeeded') throw new Error(`run ${name} did not succeed: ${finished?.message}`);
  const totalS = (Date.now() - started) / 1000;
  const secs = (from: string, to: string) => {
    if (at[from] === undefined || at[to] === undefined) throw new Error(`run ${name}: no ${at[from] === undefined ? from : to} phase event`);
    return (at[to] - at[from]) / 1000;
  };
  const phase = (p: string) => secs(`${p}:started`, `${p}:done`);
  return {
    outDir,
    totalS,
    applyS: secs('replay:started', 'reflect:done'),
    phases: { profile_s: phase('profile'), draft_s: phase('draft'), replay_s: phase('replay'), outputs_s: phase('reflect') },
    modelCalls: finished.summary!.modelCalls,
    peak,
  };
}

function oneShot(file: string, recipe: string): { s: number; peak: Peak } {
  const work = path.join(root, 'oneshot');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const script = `
import sys, time
sys.path.insert(0, ${JSON.stringify(toolkitParent)})
from dsbot_toolkit import *
t0 = time.time()
init_session(${JSON.stringify(file)}, work_dir=${JSON.stringify(work)}, chunk_rows=10**12)
exec(open(${JSON.stringify(recipe)}).read())
df = load_chunk(0)
out = clean_chunk(df.copy(), sample_context(df))
out.to_csv(${JSON.stringify(path.join(work, 'cleaned.csv'))}, index=False)
secs = time.time() - t0
${PEAK_RSS_FN}
print(_j.dumps(dict(_dsbot_bench_peak(), secs=secs)))
`;
  const r = spawnSync(config.sandbox.python, ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`one-shot failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').at(-1)!;
  const o = JSON.parse(line) as { secs: number; self_kb: number; children_kb: number };
  return { s: o.secs, peak: { selfMb: o.self_kb / 1024, childrenMb: o.children_kb / 1024 } };
}

/** The file for `rows` rows, generated once (written under a temporary name, so an interrupted run leaves no partial cache). */
async function dataset(rows: number): Promise<string> {
  const file = path.join(root, `reviews-${rows}.csv`);
  if (!existsSync(file)) {
    const tmp = `${file}.partial`;
    await generateReviews(tmp, rows);
    renameSync(tmp, file);
    console.log(`generated ${rows.toLocaleString('en')} rows: ${file}`);
  }
  return file;
}

const r3 = (x: number) => Number(x.toFixed(3));
const fmtRows = (n: number) => n.toLocaleString('en');
const rps = (rows: number, s: number) => Math.round(rows / s).toLocaleString('en');

let sizes: number[];
let chunkRows: number;
try {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'chunk-rows': { type: 'string', default: '50000' } } });
  sizes = parseRows(values.rows!);
  chunkRows = positiveInt('--chunk-rows', values['chunk-rows']!);
} catch (e) {
  if (!(e instanceof UsageError) && !String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw e;
  console.error(`bench:clean: ${(e as Error).message}`);
  console.error('usage: npm run bench:clean -- [--rows N[,N...]] [--chunk-rows C]');
  process.exit(2);
}
const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), 'out');
const toolkitParent = fileURLToPath(new URL('../src/agent/toolkit', import.meta.url));
mkdirSync(root, { recursive: true });
const config = loadConfig({ overrides: { knowledge: { kind: 'memory' }, agent: { chunkRows }, sandbox: { cellTimeoutMs: 600_000 } } });

async function main() {
  const small = await dsbotClean(await dataset(SMALL_ROWS), 'bench-small');
  console.log(`10,000 rows (model-call baseline): ${small.modelCalls} model calls`);
  const out = [];
  for (const rows of sizes) {
    const file = await dataset(rows);
    const d = rows === SMALL_ROWS ? small : await dsbotClean(file, `bench-${rows}`);
    const o = oneShot(file, path.join(d.outDir, 'recipe.py'));
    const p = d.phases;
    const dsbotPeak = Math.max(d.peak.selfMb, d.peak.childrenMb);
    const oneshotPeak = Math.max(o.peak.selfMb, o.peak.childrenMb);
    const ratio = o.s / d.totalS;
    const replayRatio = o.s / d.applyS;
    console.log(`${fmtRows(rows)} rows:`);
    console.log(
      `  dsbot   : end to end ${d.totalS.toFixed(1)} s = ${rps(rows, d.totalS)} rows/s (profile ${p.profile_s.toFixed(1)} s, draft ${p.draft_s.toFixed(1)} s, replay ${p.replay_s.toFixed(1)} s, outputs ${p.outputs_s.toFixed(1)} s); replay + outputs ${d.applyS.toFixed(1)} s = ${rps(rows, d.applyS)} rows/s`,
    );
    console.log(`  one-shot: whole file in pandas ${o.s.toFixed(1)} s = ${rps(rows, o.s)} rows/s`);
    console.log(`  ratio ${ratio.toFixed(3)} (end to end vs one-shot); replay_ratio ${replayRatio.toFixed(3)} (replay + outputs vs one-shot)`);
    console.log(
      `  peak RSS: kernel ${dsbotPeak.toFixed(0)} MB (children ${d.peak.childrenMb.toFixed(0)} MB); one-shot ${oneshotPeak.toFixed(0)} MB (children ${o.peak.childrenMb.toFixed(0)} MB)`,
    );
    console.log(`  model calls: ${d.modelCalls} (${d.modelCalls === small.modelCalls ? 'equal to' : 'NOT equal to'} ${small.modelCalls} at 10,000 rows)`);
    out.push({
      rows,
      end_to_end_s: r3(d.totalS),
      oneshot_s: r3(o.s),
      ratio: r3(ratio),
      replay_ratio: r3(replayRatio),
      phases: { profile_s: r3(p.profile_s), draft_s: r3(p.draft_s), replay_s: r3(p.replay_s), outputs_s: r3(p.outputs_s) },
      dsbot_peak_rss_mb: Math.round(dsbotPeak),
      dsbot_children_peak_rss_mb: Math.round(d.peak.childrenMb),
      oneshot_peak_rss_mb: Math.round(oneshotPeak),
      oneshot_children_peak_rss_mb: Math.round(o.peak.childrenMb),
      model_calls: d.modelCalls,
    });
  }
  const equal = out.every((s) => s.model_calls === small.modelCalls);
  console.log(`model calls: ${small.modelCalls} at 10,000 rows; ${out.map((s) => `${s.model_calls} at ${fmtRows(s.rows)}`).join(', ')} — ${equal ? 'equal' : 'NOT equal'}`);
  console.log(JSON.stringify({ sizes: out, model_calls_small: small.modelCalls, model_calls_equal: equal }));
}

await main();
