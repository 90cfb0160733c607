/**
 * The files of a run: the recipe's source, the chunk parts a remote sandbox must hand back, and
 * the outputs moved into the run directory.
 */
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../sandbox/types.js';
import type { Artifact } from './events.js';
import { InputError } from '../errors.js';
import { kernelJson } from './kernel-calls.js';

const CONTENT_TYPES: Record<string, string> = { '.csv': 'text/csv', '.md': 'text/markdown', '.json': 'application/json', '.png': 'image/png', '.py': 'text/x-python' };

/** The recipe as replayable source: the toolkit's literal recipe when the agent built it from one, else the agent's working cells. */
export async function recipeSource(sandbox: Sandbox, cells: string[], signal: AbortSignal | undefined, timeoutMs: number): Promise<string> {
  const custom = cells.some((c) => /^\s*def\s+clean_chunk\s*\(/m.test(c));
  if (!custom) {
    const src = await kernelJson<string | null>(sandbox, 'saving the recipe', '', "recipe_source(RECIPE) if isinstance(globals().get('RECIPE'), list) else None", { signal, timeoutMs });
    if (src) return src;
  }
  const keep = (line: string) => !/^\s*(final_answer|document_learning_insights|print\(check_clean_chunk)\s*\(/.test(line);
  return ['# Recipe drafted by the dsbot code agent: the cells that ran without error, in order.', ...cells.map((c) => c.split('\n').filter(keep).join('\n'))].join('\n\n') + '\n';
}

/** A chunk's files in the work dir (written by the toolkit's replay_chunk). */
function partFiles(index: number): string[] {
  const n = String(index).padStart(5, '0');
  return [...['cleaned', 'changes', 'removed', 'flags'].map((k) => `parts/${k}-${n}.csv`), `parts/hashes-${n}.npy`, `parts/result-${n}.json`];
}

/** Remote sandboxes (E2B) lose their files with the VM: copy each chunk's parts to the host before it commits. */
export async function mirrorParts(sandbox: Sandbox, workDir: string, index: number): Promise<void> {
  mkdirSync(path.join(workDir, 'parts'), { recursive: true });
  for (const rel of partFiles(index)) writeFileSync(path.join(workDir, rel), await sandbox.readFile(rel));
}

/** On resume in a fresh remote sandbox, put the committed chunks' parts back. */
export async function restoreParts(sandbox: Sandbox, workDir: string, committed: number[]): Promise<void> {
  for (const i of committed) for (const rel of partFiles(i)) await sandbox.writeFile(rel, readFileSync(path.join(workDir, rel)));
}

/** Moves the outputs from the sandbox's work dir into the run directory. */
export async function collectArtifacts(sandbox: Sandbox, workDir: string, outDir: string, names: string[]): Promise<Artifact[]> {
  const out: Artifact[] = [];
  for (const name of [...new Set(names)]) {
    const dest = path.join(outDir, path.basename(name));
    const src = path.join(workDir, name);
    if (name !== 'recipe.py') {
      if (sandbox.kind === 'local') {
        if (!existsSync(src)) continue;
        try {
          renameSync(src, dest);
        } catch {
          copyFileSync(src, dest);
        }
      } else {
        writeFileSync(dest, await sandbox.readFile(name));
      }
    }
    if (!existsSync(dest)) continue;
    out.push({ name: path.basename(name), path: dest, contentType: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream', bytes: statSync(dest).size });
  }
  return out;
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
