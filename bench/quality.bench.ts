/**
 * `npm run bench:quality`: `dsbot eval` over every dirty/clean pair bundled in data/benchmarks —
 * the real engine (builtin model, kernel in the local sandbox), a fresh memory per pair — scored
 * cell by cell (Raha/Baran). Prints a table, then one JSON line:
 * {"pairs":{"<name>":{"detection_f1","correction_p","correction_r","correction_f1"}},"mean_correction_f1"}.
 * `-- --pairs beers,rents` runs some of them.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluatePair } from '../src/cli/evaluate.js';
import { loadConfig } from '../src/config/load.js';

const { values } = parseArgs({ options: { pairs: { type: 'string' } } });
const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(here, '../data/benchmarks');
const outRoot = path.join(here, 'out', 'quality');
const wanted = values.pairs ? new Set(values.pairs.split(',')) : undefined;
const pairs = readdirSync(dataDir)
  .filter((d) => existsSync(path.join(dataDir, d, 'dirty.csv')) && existsSync(path.join(dataDir, d, 'clean.csv')))
  .filter((d) => !wanted || wanted.has(d))
  .sort();
const config = loadConfig({ overrides: { knowledge: { kind: 'memory' }, sandbox: { cellTimeoutMs: 600_000 } } });

const result: Record<string, { detection_f1: number; correction_p: number; correction_r: number; correction_f1: number }> = {};
console.log('pair             secs    det-F1   corr-P   corr-R  corr-F1');
for (const name of pairs) {
  const outDir = path.join(outRoot, name);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const t0 = Date.now();
  const { scores } = await evaluatePair(config, { dirty: path.join(dataDir, name, 'dirty.csv'), clean: path.join(dataDir, name, 'clean.csv'), outDir }, { print: () => {} });
  const secs = (Date.now() - t0) / 1000;
  result[name] = { detection_f1: scores.detection.f1, correction_p: scores.correction.p, correction_r: scores.correction.r, correction_f1: scores.correction.f1 };
  const f = (x: number) => x.toFixed(3).padStart(8);
  console.log(`${name.padEnd(14)} ${secs.toFixed(1).padStart(7)} ${f(scores.detection.f1)} ${f(scores.correction.p)} ${f(scores.correction.r)} ${f(scores.correction.f1)}`);
}
const f1s = Object.values(result).map((r) => r.correction_f1);
const mean = f1s.length ? Number((f1s.reduce((a, b) => a + b, 0) / f1s.length).toFixed(4)) : 0;
console.log(`mean correction F1 ${mean.toFixed(3)} over ${f1s.length} pairs`);
console.log(JSON.stringify({ pairs: result, mean_correction_f1: mean }));
