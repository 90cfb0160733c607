/**
 * `dsbot clean` from a shell, as a person meets it (the real CLI in a child process): `--help`
 * shows the defaults; a registered dataset name is cleaned as that dataset (a near miss is
 * answered with the name meant); a mistyped dictionary is a clear "not found" before any sandbox
 * starts (not advice about sandbox isolation); a finished `--run-id` says it is finished and
 * where its outputs are instead of pretending to resume, and `--rerun` starts it over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.js';

function dsbot(args: string[], timeout = 120_000) {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/dsbot.js'), ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, DSBOT_CONFIG: '', DSBOT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'dsbot-cli-data-')) },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const SCORES = 'tests/fixtures/toolkit/scores.csv';

describe('dsbot clean (CLI)', () => {
  it('--help shows the defaults', () => {
    const r = dsbot(['clean', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--chunk-rows <n>\s+rows per chunk \(default: 50000, agent\.chunkRows\)/);
    expect(r.out).toMatch(/--outliers <policy>[\s\S]*\(default: flag, agent\.outliers\)/);
    expect(r.out).toMatch(/--out <dir>\s+output directory \(default: \.\/runs\/<run-id>\)/);
    expect(r.out).toMatch(/registered dataset name[\s\S]*turtle_reviews, turtle_sales/);
  });

  it('a misspelt dataset name or a missing file is named, with the dataset meant; nothing starts', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dsbot-cli-')), 'run');
    const r = dsbot(['clean', 'turtle_salez', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/turtle_salez is not a file here, nor a registered dataset \(datasets: turtle_reviews, turtle_sales\)\. Did you mean `dsbot clean turtle_sales`/);
    expect(existsSync(out)).toBe(false);
  });

  it('a mistyped --dictionary is "not found" before any sandbox starts, with no advice about isolation', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dsbot-cli-')), 'run');
    const r = dsbot(['clean', SCORES, '--dictionary', 'nope.txt', '--out', out, '--no-memory']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/The data dictionary nope\.txt does not exist or is not readable/);
    expect(r.err).not.toMatch(/sandbox|bubblewrap|allowUnisolated/i);
    expect(existsSync(out)).toBe(false); // no run directory: nothing was started
  });

  it('a dataset name cleans that dataset; the same --run-id again says it is finished; --rerun starts over', () => {
    const base = mkdtempSync(path.join(tmpdir(), 'dsbot-cli-'));
    const out = path.join(base, 'run');
    const first = dsbot(['clean', 'turtle_sales', '--run-id', 'cli-t1', '--out', out, '--no-memory']);
    expect(first.code, first.err + first.out).toBe(0);
    expect(first.err).toMatch(/"turtle_sales" is a registered dataset: cleaning .*turtle_sales\.csv with the dictionary .*metadata_turtle_games\.txt/);
    expect(readFileSync(path.join(out, 'cleaned.csv'), 'utf8').split('\n')[0]).toContain('Ranking');
    const before = statSync(path.join(out, 'cleaned.csv')).mtimeMs;

    const again = dsbot(['clean', 'turtle_sales', '--run-id', 'cli-t1', '--out', out, '--no-memory']);
    expect(again.code).toBe(0);
    expect(again.err + again.out).not.toMatch(/Resuming/);
    expect(again.err).toMatch(/run cli-t1 already finished; nothing was interrupted, so there is nothing to resume\. Its outputs are in .*run \(cleaned\.csv, report\.md, changes\.csv, chart\.png\)\. To clean again, leave out --run-id/);
    expect(statSync(path.join(out, 'cleaned.csv')).mtimeMs).toBe(before); // untouched

    const rerun = dsbot(['clean', 'turtle_sales', '--run-id', 'cli-t1', '--out', out, '--no-memory', '--rerun']);
    expect(rerun.code, rerun.err).toBe(0);
    expect(rerun.err).toMatch(/the earlier outputs of cli-t1 were moved to .*run\.replaced-\d+; cleaning again/);
    expect(rerun.out).not.toMatch(/Resuming/);
    const aside = readdirSync(base).find((n) => n.startsWith('run.replaced-'))!;
    expect(existsSync(path.join(base, aside, 'cleaned.csv'))).toBe(true); // nothing lost
    expect(existsSync(path.join(out, 'cleaned.csv'))).toBe(true);
  }, 300_000);
});
