/** Scores a cleaned file against ground truth with the toolkit's `score_cells`, run in the sandbox. */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelJson } from '../agent/kernel-calls.js';
import type { Config } from '../config/schema.js';
import { createSandbox } from '../sandbox/index.js';

export interface PRF {
  p: number;
  r: number;
  f1: number;
}

export interface EvalScores {
  detection: PRF;
  correction: PRF;
  per_column?: Record<string, {
    errors: number; flagged: number; detected: number; corrected: number; detection: PRF; correction: PRF;
    /** The most frequent wrong changes: dirty value, value made, value expected, how often. */
    wrong?: { dirty: string; made: string; expected: string; count: number }[];
    /** The most frequent errors left alone: dirty value, value expected, how often. */
    missed?: { dirty: string; expected: string; count: number }[];
  }>;
}

const TOOLKIT_DIR = fileURLToPath(new URL('../agent/toolkit/dsbot_toolkit', import.meta.url));

/**
 * `removed` is the run's removed_rows.csv and `changes` its changes.csv: a removed row is put back in
 * place with its dirty values and the repairs the run recorded for it.
 */
export async function scoreCleaning(config: Config, files: { dirty: string; clean: string; cleaned: string; removed?: string; changes?: string; workDir: string }): Promise<EvalScores> {
  mkdirSync(files.workDir, { recursive: true });
  const sandbox = createSandbox(config.sandbox);
  try {
    await sandbox.start({
      workDir: files.workDir,
      inputs: [
        { hostPath: path.resolve(files.dirty), name: 'dirty.csv' },
        { hostPath: path.resolve(files.clean), name: 'clean.csv' },
        { hostPath: path.resolve(files.cleaned), name: 'cleaned.csv' },
        ...(files.removed && existsSync(files.removed) ? [{ hostPath: path.resolve(files.removed), name: 'removed_rows.csv' }] : []),
        ...(files.changes && existsSync(files.changes) ? [{ hostPath: path.resolve(files.changes), name: 'changes.csv' }] : []),
      ],
      pythonPackages: [{ hostDir: TOOLKIT_DIR, name: 'dsbot_toolkit' }],
      setupCode: 'from dsbot_toolkit import score_cells',
    });
    const d = sandbox.paths.data;
    return await kernelJson<EvalScores>(sandbox, 'scoring', '', `score_cells(${JSON.stringify(`${d}/dirty.csv`)}, ${JSON.stringify(`${d}/clean.csv`)}, ${JSON.stringify(`${d}/cleaned.csv`)})`, {
      timeoutMs: config.sandbox.cellTimeoutMs,
      valueErrorIsInput: true,
    });
  } finally {
    await sandbox.close();
  }
}

/**
 * The Raha/Baran protocol's labels: `n` rows drawn at random (seeded) from the clean file, written
 * to `out` as a corrections CSV (the dirty file's header plus `row`). Returns the rows drawn.
 */
export async function drawLabels(config: Config, files: { dirty: string; clean: string; workDir: string }, n: number, seed: number): Promise<{ path: string; rows: number[] }> {
  mkdirSync(files.workDir, { recursive: true });
  const sandbox = createSandbox(config.sandbox);
  try {
    await sandbox.start({
      workDir: files.workDir,
      inputs: [
        { hostPath: path.resolve(files.dirty), name: 'dirty.csv' },
        { hostPath: path.resolve(files.clean), name: 'clean.csv' },
      ],
      pythonPackages: [{ hostDir: TOOLKIT_DIR, name: 'dsbot_toolkit' }],
      setupCode: 'from dsbot_toolkit import draw_labels',
    });
    const d = sandbox.paths.data;
    const rows = await kernelJson<number[]>(sandbox, 'drawing the labelled rows', '', `draw_labels(${JSON.stringify(`${d}/dirty.csv`)}, ${JSON.stringify(`${d}/clean.csv`)}, ${n}, ${seed}, "labels.csv")`, {
      timeoutMs: config.sandbox.cellTimeoutMs,
      valueErrorIsInput: true,
    });
    return { path: path.join(files.workDir, 'labels.csv'), rows };
  } finally {
    await sandbox.close();
  }
}
