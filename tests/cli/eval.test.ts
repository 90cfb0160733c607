/** `dsbot eval` from the shell: cleans the dirty file with the builtin model and scores it by position. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.js';
import { tempDir, writeCsv } from '../helpers/run-harness.js';

function dsbot(args: string[]) {
  return spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/dsbot.js'), ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DSBOT_DATA_DIR: tempDir('dsbot-eval-data-') } });
}

describe('dsbot eval', () => {
  it('scores a pair with null tokens, units and a duplicate row (removed rows keep their place)', () => {
    const dir = tempDir();
    const clean: (string | number)[][] = [['id', 'size', 'city']];
    const dirty: (string | number)[][] = [['id', 'size', 'city']];
    for (let i = 1; i <= 60; i++) {
      // size: mostly plain numbers, a few written '12.0 oz' (one unit: the number is kept); city: blanks mostly empty,
      // some written 'N/A' (empty is the column's usual way of writing nothing, so the odd tokens are emptied)
      clean.push([i, 10 + (i % 5), i % 3 ? 'Leeds' : '']);
      dirty.push([i, i % 4 === 0 ? `${10 + (i % 5)}.0 oz` : 10 + (i % 5), i % 3 ? 'Leeds' : i % 2 ? 'N/A' : '']);
    }
    dirty.push(dirty[10]); // an exact duplicate: removed by the run, scored in place
    clean.push(clean[10]);
    const out = dsbot(['eval', '--dirty', writeCsv(dir, 'dirty.csv', dirty), '--clean', writeCsv(dir, 'clean.csv', clean), '--json', '--out', path.join(dir, 'out')]);
    expect(out.status, out.stderr).toBe(0);
    const last = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    expect(last.correction.f1).toBeGreaterThan(0.95);
    expect(last.detection.r).toBe(1);
    expect(out.stdout).toMatch(/removed 1;/); // the duplicate
    expect(out.stdout).toMatch(/correction\s+P [\d.]+\s+R [\d.]+\s+F1/);
  });

  it('scores semicolon-separated files', () => {
    const dir = tempDir();
    const clean = ['id;size;city', ...Array.from({ length: 30 }, (_, i) => `${i + 1};${10 + (i % 3)};${i % 4 === 0 ? '' : 'York'}`)];
    const dirty = ['id;size;city', ...Array.from({ length: 30 }, (_, i) => `${i + 1};${i % 5 === 0 ? `${10 + (i % 3)}.0 oz` : 10 + (i % 3)};${i % 8 === 0 ? 'N/A' : i % 4 === 0 ? '' : 'York'}`)];
    const cleanFile = path.join(dir, 'clean.csv');
    const dirtyFile = path.join(dir, 'dirty.csv');
    writeFileSync(cleanFile, clean.join('\n') + '\n');
    writeFileSync(dirtyFile, dirty.join('\n') + '\n');
    const out = dsbot(['eval', '--dirty', dirtyFile, '--clean', cleanFile, '--json', '--out', path.join(dir, 'out')]);
    expect(out.status, out.stderr).toBe(0);
    const last = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    expect(last.detection.r).toBeGreaterThan(0.5);
  });

  it('--labels N --seed S gives the run N rows of the clean file as corrections; --json says so', () => {
    const dir = tempDir();
    const clean: (string | number)[][] = [['id', 'when']];
    const dirty: (string | number)[][] = [['id', 'when']];
    for (let i = 0; i < 40; i++) {
      const [d, m] = [1 + ((7 * i) % 28), 1 + (i % 12)];
      dirty.push([i, `${d}/${m}/21`]); // day first throughout; the clean file writes month first
      clean.push([i, `${m}/${d}/21`]);
    }
    const files = ['--dirty', writeCsv(dir, 'dirty.csv', dirty), '--clean', writeCsv(dir, 'clean.csv', clean)];
    const out = dsbot(['eval', ...files, '--labels', '5', '--seed', '1', '--json', '--out', path.join(dir, 'out')]);
    expect(out.status, out.stderr).toBe(0);
    const last = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ labels: 5, seed: 1 });
    expect(last.correction.f1).toBe(1); // five rows are enough to learn the whole column's convention
    expect(out.stdout).toMatch(/learned from the labelled rows:[\s\S]*`when`: dates written '%d\/%m\/%y' -> '%m\/%d\/%y'/);
    const refused = dsbot(['eval', ...files, '--seed', '1']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--seed only makes sense with --labels N/);
  });

  it('fails with a clear message and exit code 2 for a missing file', () => {
    const out = dsbot(['eval', '--dirty', '/nonexistent/dirty.csv', '--clean', '/nonexistent/clean.csv']);
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/does not exist/);
  });
});
