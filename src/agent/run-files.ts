/**
 * The files of a run: the recipe's source and JSON, the chunk parts a remote sandbox must hand
 * back, and the outputs copied into the run directory (only fixed names, see work-files.ts).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../sandbox/types.js';
import type { Artifact } from './events.js';
import { InputError, SandboxError } from '../errors.js';
import { kernelJson, MAX_RESULT_BYTES } from './kernel-calls.js';
import { recipeSourceResult } from './kernel-results.js';
import { validateRecipe } from './recipe-data.js';
import { copyFromWorkDir, RefusedFileError, writeHostFile, type GuardedSandbox } from './work-files.js';

const CONTENT_TYPES: Record<string, string> = { '.csv': 'text/csv', '.md': 'text/markdown', '.json': 'application/json', '.png': 'image/png', '.py': 'text/x-python' };

/** True when the agent's cells define their own `clean_chunk` (not the toolkit's make_clean_chunk). */
export function isCustomRecipe(cells: string[]): boolean {
  return cells.some((c) => /^\s*def\s+clean_chunk\s*\(/m.test(c));
}

/** The recipe as replayable source: the toolkit's literal recipe when the agent built it from one, else the agent's working cells. */
export async function recipeSource(sandbox: Sandbox, cells: string[], signal: AbortSignal | undefined, timeoutMs: number): Promise<string> {
  if (!isCustomRecipe(cells)) {
    const src = await kernelJson<string | null>(sandbox, 'saving the recipe', '', "recipe_source(RECIPE) if isinstance(globals().get('RECIPE'), list) else None", { signal, timeoutMs, schema: recipeSourceResult });
    if (src) return src;
  }
  const keep = (line: string) => !/^\s*(final_answer|document_learning_insights|print\(check_clean_chunk)\s*\(/.test(line);
  return ['# Recipe drafted by the dsbot code agent: the cells that ran without error, in order.', ...cells.map((c) => c.split('\n').filter(keep).join('\n'))].join('\n\n') + '\n';
}

/**
 * The toolkit recipe the current `clean_chunk` carries (make_clean_chunk sets `.recipe`), as
 * validated JSON, or the reason there is none to remember. Only data: never code.
 */
export async function recipeJson(sandbox: Sandbox, signal: AbortSignal | undefined, timeoutMs: number): Promise<{ ok: true; json: string } | { ok: false; reason: string }> {
  const value = await kernelJson<unknown>(sandbox, 'reading the recipe', '', "getattr(globals().get('clean_chunk'), 'recipe', None)", { signal, timeoutMs });
  if (value === null) return { ok: false, reason: 'clean_chunk was not built by make_clean_chunk' };
  const v = validateRecipe(value);
  return v.ok ? { ok: true, json: v.json } : v;
}

/** A chunk's files in the work dir (written by the toolkit's replay_chunk). */
function partFiles(index: number): string[] {
  const n = String(index).padStart(5, '0');
  return [...['cleaned', 'changes', 'removed', 'flags'].map((k) => `parts/${k}-${n}.csv`), `parts/hashes-${n}.npy`, `parts/result-${n}.json`];
}

/**
 * Remote sandboxes (E2B) lose their files with the VM: copy each chunk's parts to the host before
 * it commits. Each part is size-capped; the chunk's result must be a JSON object.
 */
export async function mirrorParts(sandbox: GuardedSandbox, workDir: string, index: number, maxBytes: number): Promise<void> {
  mkdirSync(path.join(workDir, 'parts'), { recursive: true });
  for (const rel of partFiles(index)) {
    const content = await sandbox.readFile(rel, rel.endsWith('.json') ? MAX_RESULT_BYTES : maxBytes);
    if (rel.endsWith('.json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(content.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SandboxError(`${rel} from the sandbox is not a JSON object.`);
    }
    await writeHostFile(path.join(workDir, rel), content);
  }
}

/** On resume in a fresh remote sandbox, put the committed chunks' parts back. */
export async function restoreParts(sandbox: Sandbox, workDir: string, committed: number[]): Promise<void> {
  for (const i of committed) for (const rel of partFiles(i)) await sandbox.writeFile(rel, readFileSync(path.join(workDir, rel)));
}

/**
 * The files a run takes from the work dir, whatever names finalize() returns: the toolkit's
 * outputs (src/agent/toolkit/dsbot_toolkit/finalize.py). Nothing else is ever collected.
 */
export const ARTIFACT_NAMES: readonly string[] = ['cleaned.csv', 'changes.csv', 'removed_rows.csv', 'flags.csv', 'quality.json', 'chart.png', 'report.md', 'report.json'];

/**
 * Copies the outputs from the sandbox's work dir into the run directory: only names on the fixed
 * list that finalize() also reported, each a regular file taken without following links, at most
 * `maxBytes` (src/agent/work-files.ts), never renamed from the work dir. A refused file is left
 * out and reported through `onRefused`. `recipe.py` is the host's own file in the run dir.
 */
export async function collectArtifacts(
  sandbox: GuardedSandbox,
  workDir: string,
  outDir: string,
  reported: unknown[],
  maxBytes: number,
  onRefused: (message: string) => void,
): Promise<Artifact[]> {
  const wanted = new Set(reported.filter((n): n is string => typeof n === 'string'));
  const out: Artifact[] = [];
  for (const name of ARTIFACT_NAMES) {
    if (!wanted.has(name)) continue;
    const dest = path.join(outDir, name);
    try {
      if (sandbox.kind === 'local') {
        if ((await copyFromWorkDir(workDir, name, dest, maxBytes)) === undefined) continue;
      } else {
        await writeHostFile(dest, await sandbox.readFile(name, maxBytes));
      }
    } catch (err) {
      if (!(err instanceof RefusedFileError) && !(err instanceof SandboxError)) throw err;
      onRefused(`${name} was not collected: ${(err as Error).message}`);
      continue;
    }
    out.push(artifactOf(name, dest));
  }
  const recipe = path.join(outDir, 'recipe.py');
  if (existsSync(recipe)) out.push(artifactOf('recipe.py', recipe));
  return out;
}

function artifactOf(name: string, file: string): Artifact {
  return { name, path: file, contentType: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream', bytes: lstatSync(file).size };
}

/** What a run's committed chunks mean: the chunk size and the input they were cut from. */
interface RunIdentity {
  chunkRows: number;
  inputBytes: number;
  /** sha256 of the input's first MiB. */
  inputHead: string;
}

function identify(inputPath: string, chunkRows: number): RunIdentity {
  const bytes = statSync(inputPath).size;
  const head = Buffer.alloc(Math.min(bytes, 1 << 20));
  const fd = openSync(inputPath, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return { chunkRows, inputBytes: bytes, inputHead: createHash('sha256').update(head).digest('hex') };
}

/**
 * Records (first start) or checks (resume) what the committed chunks were cut from. A resume
 * keeps the chunk size the run started with (chunk indices mean nothing at another size) and
 * refuses a different input file. Returns the chunk size to use.
 */
export function pinRunIdentity(outDir: string, runId: string, inputPath: string, chunkRows: number, resuming: boolean): number {
  const file = path.join(outDir, 'run.json');
  const now = identify(inputPath, chunkRows);
  if (resuming && existsSync(file)) {
    const was = JSON.parse(readFileSync(file, 'utf8')) as RunIdentity;
    if (was.inputBytes !== now.inputBytes || was.inputHead !== now.inputHead) {
      throw new InputError(`Run ${runId} was started on a different file (its committed chunks come from a ${was.inputBytes}-byte file). Start a new run (another run id) for this file.`);
    }
    return was.chunkRows;
  }
  writeFileSync(file, JSON.stringify(now));
  return chunkRows;
}
