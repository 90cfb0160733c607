/**
 * `npm run bench:clean [-- --rows N]`: generates a Turtle-reviews-like CSV with injected errors,
 * cleans it with the builtin model (the real engine: kernel in the local sandbox, recipe replayed
 * chunk by chunk), then applies the same recipe with a one-shot pandas script (whole file in
 * memory). Prints rows/s and peak memory of both and the model calls at 10,000 vs N rows.
 * Last line: one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
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

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'chunk-rows': { type: 'string', default: '50000' } } });
const rows = Number(values.rows);
const chunkRows = Number(values['chunk-rows']);
const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), 'out');
const toolkitParent = fileURLToPath(new URL('../src/agent/toolkit', import.meta.url));
mkdirSync(root, { recursive: true });
const config = loadConfig({ overrides: { knowledge: { kind: 'memory' }, agent: { chunkRows }, sandbox: { cellTimeoutMs: 600_000 } } });

/** Wraps a sandbox so its kernel's peak RSS is read just before it closes. */
function measured(inner: Sandbox, peak: { mb: number }): Sandbox {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'close') {
        return async () => {
          const r = await target.exec("import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)").catch(() => undefined);
          const kb = Number(r?.stdout.trim());
          if (kb) peak.mb = Math.max(peak.mb, kb / 1024);
          return target.close();
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function dsbotClean(file: string, name: string) {
  const outDir = path.join(root, name);
  rmSync(outDir, { recursive: true, force: true });
  const peak = { mb: 0 };
  const deps = { config, model: createBuiltinModel(), knowledge: new MemoryKnowledgeStore(), createSandbox: () => measured(createSandbox(config.sandbox), peak) };
  const phases: Record<string, number> = {};
  const started = Date.now();
  let finished: Extract<RunEvent, { type: 'run_finished' }> | undefined;
  for await (const e of runCleaning({ runId: name, inputPath: file, outDir }, deps)) {
    if (e.type === 'phase') phases[`${e.phase}:${e.status}`] = e.at;
    if (e.type === 'run_finished') finished = e;
  }
  if (finished?.status !== 'succeeded') throw new Error(`run ${name} did not succeed: ${finished?.message}`);
  const totalMs = Date.now() - started;
  const applyMs = phases['reflect:done'] - phases['replay:started'];
  const phaseMs = (p: string) => phases[`${p}:done`] - phases[`${p}:started`];
  console.log(`  ${name}: profile ${phaseMs('profile')} ms, draft ${phaseMs('draft')} ms, replay ${phaseMs('replay')} ms, outputs ${phaseMs('reflect')} ms`);
  return { outDir, totalMs, applyMs, modelCalls: finished.summary!.modelCalls, peakMb: peak.mb, hostPeakMb: process.resourceUsage().maxRSS / 1024 };
}

function oneShot(file: string, recipe: string) {
  const work = path.join(root, 'oneshot');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const script = `
import sys, time, resource
sys.path.insert(0, ${JSON.stringify(toolkitParent)})
from dsbot_toolkit import *
t0 = time.time()
init_session(${JSON.stringify(file)}, work_dir=${JSON.stringify(work)}, chunk_rows=10**12)
exec(open(${JSON.stringify(recipe)}).read())
df = load_chunk(0)
out = clean_chunk(df.copy(), sample_context(df))
out.to_csv(${JSON.stringify(path.join(work, 'cleaned.csv'))}, index=False)
print(time.time() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
`;
  const r = spawnSync(config.sandbox.python, ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`one-shot failed: ${r.stderr}`);
  const [secs, mb] = r.stdout.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { ms: secs * 1000, peakMb: mb };
}

async function main() {
  const small = path.join(root, 'reviews-10000.csv');
  const large = path.join(root, `reviews-${rows}.csv`);
  if (!existsSync(small)) await generateReviews(small, 10_000);
  if (!existsSync(large)) await generateReviews(large, rows);
  console.log(`generated ${rows.toLocaleString('en')} rows: ${large}`);
  const s = await dsbotClean(small, 'bench-small');
  const l = await dsbotClean(large, 'bench-large');
  const o = oneShot(large, path.join(l.outDir, 'recipe.py'));
  const dsbotRps = rows / (l.applyMs / 1000);
  const endToEndRps = rows / (l.totalMs / 1000);
  const oneshotRps = rows / (o.ms / 1000);
  console.log(`dsbot   : apply recipe (replay + outputs) ${(l.applyMs / 1000).toFixed(1)} s = ${Math.round(dsbotRps).toLocaleString('en')} rows/s; end to end (profile, draft, replay, report) ${(l.totalMs / 1000).toFixed(1)} s = ${Math.round(endToEndRps).toLocaleString('en')} rows/s; kernel peak RSS ${l.peakMb.toFixed(0)} MB`);
  console.log(`one-shot: whole file in pandas ${(o.ms / 1000).toFixed(1)} s = ${Math.round(oneshotRps).toLocaleString('en')} rows/s; peak RSS ${o.peakMb.toFixed(0)} MB`);
  console.log(`model calls: ${s.modelCalls} at 10,000 rows, ${l.modelCalls} at ${rows.toLocaleString('en')} rows`);
  console.log(
    JSON.stringify({
      rows,
      dsbot_rows_per_s: Math.round(dsbotRps),
      oneshot_rows_per_s: Math.round(oneshotRps),
      ratio: Number((dsbotRps / oneshotRps).toFixed(3)),
      dsbot_end_to_end_rows_per_s: Math.round(endToEndRps),
      dsbot_peak_rss_mb: Math.round(l.peakMb),
      oneshot_peak_rss_mb: Math.round(o.peakMb),
      model_calls_small: s.modelCalls,
      model_calls_large: l.modelCalls,
    }),
  );
}

await main();
