/**
 * Corrected example rows in a cleaning run (issue 11; DESIGN.md decision 9: corrected rows
 * outrank defaults): the corrections file mounted into the sandbox and checked against the input
 * before anything is cleaned; a follow-up run that reuses the finished run's profile (its state
 * files, kept by the host in the run dir) instead of profiling again; what was learned; and how
 * the follow-up's changes differ from the finished run's.
 *
 * The state files come from a kernel (DESIGN.md decision 10): the host copies them out of the
 * work dir with the work-dir guard (fixed names, no links, size caps) and mounts its own copies
 * read-only into the next sandbox, where they are read as JSON and numpy arrays only.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { InputFile } from '../sandbox/types.js';
import { kernelJson } from './kernel-calls.js';
import type { CleaningRunInput } from './types.js';
import { writeHostFile, type GuardedSandbox } from './work-files.js';

/** The state files a run keeps for a follow-up (dsbot_toolkit/carry.py `FILES`). */
export const STATE_FILES = ['state.json', 'profile.json', 'relations.json.gz', 'hashes.npz'] as const;

/** Where a finished run's state lives in its run dir. */
export function stateDir(outDir: string): string {
  return path.join(outDir, 'state');
}

/** The corrections file's name inside the sandbox (its extension says CSV or JSON). */
function correctionsName(p: string): string {
  return p.toLowerCase().endsWith('.json') ? 'corrections.json' : 'corrections.csv';
}

/** True when the finished run of a follow-up kept its profile (runs from before this feature did not). */
export function hasEarlierState(input: CleaningRunInput): boolean {
  return Boolean(input.followUp) && STATE_FILES.every((f) => existsSync(path.join(stateDir(input.followUp!.outDir), f)));
}

/** True when the finished run's changes.csv is there to compare with. */
export function hasEarlierChanges(input: CleaningRunInput): boolean {
  return Boolean(input.followUp) && existsSync(path.join(input.followUp!.outDir, 'changes.csv'));
}

/** Read-only sandbox inputs for the corrections and the finished run's state and changes. */
export function examplesInputs(input: CleaningRunInput): InputFile[] {
  const out: InputFile[] = [];
  if (input.examplesPath) {
    if (!existsSync(input.examplesPath)) throw new InputError(`The corrections file ${path.basename(input.examplesPath)} does not exist.`);
    out.push({ hostPath: path.resolve(input.examplesPath), name: correctionsName(input.examplesPath) });
  }
  if (input.followUp) {
    if (hasEarlierState(input)) for (const f of STATE_FILES) out.push({ hostPath: path.join(stateDir(input.followUp.outDir), f), name: `prev-${f}` });
    if (hasEarlierChanges(input)) out.push({ hostPath: path.join(input.followUp.outDir, 'changes.csv'), name: 'prev-changes.csv' });
  }
  return out;
}

/**
 * The kernel code of the profile phase: profile the file (or load the finished run's profile),
 * then check the corrections against it. A bad correction raises ExamplesError (a ValueError):
 * the run fails as bad input before anything is drafted or replayed.
 */
export function profileCode(input: CleaningRunInput, dataDir: string): string {
  const corr = input.examplesPath ? JSON.stringify(`${dataDir}/${correctionsName(input.examplesPath)}`) : 'None';
  const shown = JSON.stringify(input.examplesPath ? path.basename(input.examplesPath) : 'corrections');
  if (input.followUp && hasEarlierState(input)) {
    const paths = Object.fromEntries(STATE_FILES.map((f) => [f, `${dataDir}/prev-${f}`]));
    return `from dsbot_toolkit.carry import follow_up as _follow_up\n_EX = _follow_up(${JSON.stringify(paths)}, ${corr}, name=${shown})\n_P = profile()`;
  }
  return input.examplesPath ? `_P = profile()\n_EX = load_examples(${corr}, name=${shown})` : '_P = profile()';
}

/** Copies the state the kernel saved (save_state) into the run dir, for a follow-up run. */
export async function keepState(sandbox: GuardedSandbox, outDir: string, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<void> {
  await kernelJson(sandbox, 'keeping the profile for follow-up runs', 'from dsbot_toolkit.carry import save_state as _save_state', '_save_state("state")', opts);
  const dest = stateDir(outDir);
  mkdirSync(dest, { recursive: true });
  for (const f of STATE_FILES) await writeHostFile(path.join(dest, f), await sandbox.readFile(`state/${f}`));
}

/** What the profile phase reports about the corrections it checked. */
export const examplesSummary = z.object({ rows: z.number().int().min(0), cells: z.number().int().min(0), columns: z.array(z.string().max(10_000)).max(100_000) });

const notesResult = z.array(z.string().max(2000)).max(200);

/**
 * What the drafted recipe learned from the corrections, as sentences ([] without corrections). Kept
 * in the run dir (`learned.json`) so a run continued from its saved recipe (resume, approved plan)
 * still reports it.
 */
export async function learnedNotes(sandbox: GuardedSandbox, outDir: string, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<string[]> {
  const file = path.join(outDir, 'learned.json');
  const notes = await kernelJson<string[]>(sandbox, 'reading what was learned', '', 'learned_notes()', { ...opts, schema: notesResult });
  if (notes.length) {
    await writeHostFile(file, Buffer.from(JSON.stringify(notes)));
    return notes;
  }
  if (!existsSync(file)) return [];
  const saved = notesResult.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return saved.success ? saved.data : [];
}

const comparisonResult = z.object({ repaired: z.number().int().min(0), undone: z.number().int().min(0), differently: z.number().int().min(0), text: z.string().max(2000) });

/** How the follow-up's changes differ from the finished run's ("+234 cells repaired, 12 changes undone"), also written into report.md and report.json. */
export async function compareWithEarlier(sandbox: GuardedSandbox, dataDir: string, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<z.infer<typeof comparisonResult>> {
  return kernelJson(sandbox, 'comparing with the earlier run', 'from dsbot_toolkit.carry import compare_runs as _compare_runs, note_comparison as _note_comparison',
    `_note_comparison(_compare_runs(${JSON.stringify(`${dataDir}/prev-changes.csv`)}))`, { ...opts, schema: comparisonResult });
}
