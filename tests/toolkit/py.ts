/** Runs Python snippets against the toolkit with Debian's /usr/bin/python3 (pandas 1.5). */
import { spawnSync } from 'node:child_process';
import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIX = join(ROOT, 'tests/fixtures/toolkit');
export const DATA = join(ROOT, 'data');
const MARK = '__RESULT__';

/** What a snippet produced. */
export interface PyResult {
  /** Exit status of python. */
  status: number | null;
  /** Everything printed to stdout. */
  stdout: string;
  /** Everything printed to stderr. */
  stderr: string;
  /** The value passed to `out(...)` in the snippet (JSON), if any. */
  result: any;
}

/**
 * Runs `code` after `from dsbot_toolkit import *`; `out(value)` in the snippet returns a value.
 * WORK is a fresh temporary directory, FIX the fixtures directory, DATA the bundled data.
 */
export function py(code: string, work?: string): PyResult {
  const prelude = [
    'import json, os, sys',
    'from dsbot_toolkit import *',
    `FIX = ${JSON.stringify(FIX)}`,
    `DATA = ${JSON.stringify(DATA)}`,
    `WORK = ${JSON.stringify(work ?? '')}`,
    `def out(v):\n    print(${JSON.stringify(MARK)} + json.dumps(v, default=str))`,
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', `${prelude}\n${code}`], {
    env: { PYTHONPATH: join(ROOT, 'src/agent/toolkit'), PYTHONDONTWRITEBYTECODE: '1', PATH: '/usr/bin:/bin', MPLBACKEND: 'Agg' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith(MARK));
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', result: line ? JSON.parse(line.slice(MARK.length)) : undefined };
}

/** Runs a snippet that must succeed and returns its `out(...)` value. */
export function pyOk(code: string, work?: string): any {
  const r = py(code, work);
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stderr}`);
  return r.result;
}

/** A fresh temporary work directory; remove it with `cleanup`. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dsbot-toolkit-'));
}

/** Removes a temporary directory. */
export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A fresh work dir per call, all removed after the file's tests. */
export function workDirs(): () => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(cleanup));
  return () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
}

