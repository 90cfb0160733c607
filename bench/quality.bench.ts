/**
 * `npm run bench:quality`: `dsbot eval` over every dirty/clean pair bundled in data/benchmarks —
 * the real engine (builtin model, kernel in the local sandbox), a fresh memory per pair — scored
 * cell by cell (Raha/Baran). Prints a table, then one JSON line:
 * {"pairs":{"<name>":{"detection_f1","correction_p","correction_r","correction_f1"}},"mean_correction_f1"}.
 * `-- --pairs beers,rents` runs some of them. `-- --labels 20` gives each run 20 rows of the clean
 * file as corrected examples (the Raha/Baran protocol, rows drawn at random): each pair is run
 * once per seed (`-- --seeds 1,2,3`, the default) and the figures are the means over the seeds;
 * the JSON line adds "labels", "seeds" and each pair's "correction_f1_by_seed".
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluatePair } from '../src/cli/evaluate.js';
import { loadConfig } from '../src/config/load.js';

const { values } = parseArgs({ options: { pairs: { type: 'string' }, labels: { type: 'string' }, seeds: { type: 'string' } } });
const labels = values.labels ? Number(values.labels) : 0;
if (!Number.isInteger(labels) || labels < 0) throw new Error(`--labels must be a whole number, got ${values.labels}`);
const seeds = labels ? (values.seeds ?? '1,2,3').split(',').map((x) => Number(x.trim())) : [0];
if (seeds.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--seeds must be whole numbers separated by commas, got ${values.seeds}`);
const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(here, '../data/benchmarks');
const outRoot = path.join(here, 'out', 'quality');
const wanted = values.pairs ? new Set(values.pairs.split(',')) : undefined;
const pairs = readdirSync(dataDir)
  .filter((d) => existsSync(path.join(dataDir, d, 'dirty.csv')) && existsSync(path.join(dataDir, d, 'clean.csv')))
  .filter((d) => !wanted || wanted.has(d))
  .sort();
const config = loadConfig({ overrides: { knowledge: { kind: 'memory' }, sandbox: { cellTimeoutMs: 600_000 } } });

type Figures = { detection_f1: number; correction_p: number; correction_r: number; correction_f1: number; correction_f1_by_seed?: number[] };
const result: Record<string, Figures> = {};
const mean = (xs: number[]) => Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(4));
if (labels) console.log(`with ${labels} labelled rows, seeds ${seeds.join(', ')} (figures are means over the seeds)`);
console.log(`pair             secs    det-F1   corr-P   corr-R  corr-F1${labels ? '  corr-F1 per seed' : ''}`);
for (const name of pairs) {
  const t0 = Date.now();
  const runs: Figures[] = [];
  for (const seed of seeds) {
    const outDir = path.join(outRoot, labels ? `${name}-labels${labels}-seed${seed}` : name);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const files = { dirty: path.join(dataDir, name, 'dirty.csv'), clean: path.join(dataDir, name, 'clean.csv'), outDir };
    const { scores } = await evaluatePair(config, files, { print: () => {}, ...(labels ? { labels, seed } : {}) });
    runs.push({ detection_f1: scores.detection.f1, correction_p: scores.correction.p, correction_r: scores.correction.r, correction_f1: scores.correction.f1 });
  }
  const secs = (Date.now() - t0) / 1000;
  const fig: Figures = {
    detection_f1: mean(runs.map((r) => r.detection_f1)),
    correction_p: mean(runs.map((r) => r.correction_p)),
    correction_r: mean(runs.map((r) => r.correction_r)),
    correction_f1: mean(runs.map((r) => r.correction_f1)),
    ...(labels ? { correction_f1_by_seed: runs.map((r) => r.correction_f1) } : {}),
  };
  result[name] = fig;
  const f = (x: number) => x.toFixed(labels ? 4 : 3).padStart(8);
  console.log(`${name.padEnd(14)} ${secs.toFixed(1).padStart(7)} ${f(fig.detection_f1)} ${f(fig.correction_p)} ${f(fig.correction_r)} ${f(fig.correction_f1)}${labels ? `  ${runs.map((r) => r.correction_f1.toFixed(4)).join(' ')}` : ''}`);
}
const f1s = Object.values(result).map((r) => r.correction_f1);
const overall = f1s.length ? mean(f1s) : 0;
console.log(`mean correction F1 ${overall.toFixed(labels ? 4 : 3)} over ${f1s.length} pairs`);
console.log(JSON.stringify({ pairs: result, mean_correction_f1: overall, ...(labels ? { labels, seeds } : {}) }));
