/**
 * Host-side calls into the kernel: run a cell that leaves one JSON value in the work dir and
 * parse it. The kernel is an adversary (DESIGN.md decision 10): the result is size-capped and,
 * when the caller gives a schema, checked against it before the host uses any of it.
 */
import type { z } from 'zod';
import { CancelledError, InputError, SandboxError } from '../errors.js';
import type { ExecResult, Sandbox } from '../sandbox/types.js';

/** Errors the toolkit raises for bad input files: shown to the person as is. */
const INPUT_ERRORS = new Set(['InputFileError', 'EmptyDataError', 'ParserError', 'UnicodeDecodeError', 'ExamplesError']);

export interface HostCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Treat a Python ValueError as bad input (reading and profiling the file). */
  valueErrorIsInput?: boolean;
  /** The shape the result must have (zod); without it the value is returned unchecked. */
  schema?: z.ZodType;
}

/** A host cell raised in Python (for example the agent's `clean_chunk` on a chunk it did not expect). */
export class CellFailedError extends SandboxError {
  constructor(
    what: string,
    readonly cellError: { type: string; message: string; traceback: string },
  ) {
    super(`${what} failed in the kernel: ${cellError.type}: ${cellError.message}`);
  }
}

/** Throws ours-or-the-user's errors for a host cell that did not succeed. */
export function raiseForHostCell(what: string, r: ExecResult, options: HostCallOptions = {}): void {
  if (r.killed === 'aborted') throw new CancelledError();
  if (r.killed) {
    // The sandbox explains a kill on stderr as "[dsbot: …]" (the disk quota names its setting): keep it.
    const at = r.stderr.lastIndexOf('[dsbot:');
    const note = at >= 0 ? r.stderr.slice(at).split('\n')[0].slice(0, 400) : undefined;
    throw new SandboxError(`${what}: the kernel was killed (${r.killed}) after ${Math.round(r.durationMs)} ms.${note ? ` ${note}` : ''}`);
  }
  if (r.error) {
    if (INPUT_ERRORS.has(r.error.type) || (options.valueErrorIsInput && r.error.type === 'ValueError')) {
      throw new InputError(r.error.message);
    }
    throw new CellFailedError(what, r.error);
  }
}

/** Where a host call leaves its JSON result in the work dir (stdout is capped; results can be large). */
const RESULT_FILE = '.dsbot-result.json';

/** The largest JSON result the host reads back (a before/after table of a 10,000-column file is under 1 MB). */
export const MAX_RESULT_BYTES = 16 << 20;

/** Runs `expr` (a Python expression) in the kernel and returns its JSON value. */
export async function kernelJson<T>(sandbox: Sandbox, what: string, setup: string, expr: string, options: HostCallOptions = {}): Promise<T> {
  const code = `${setup}\nwith open(${JSON.stringify(RESULT_FILE)}, 'w', encoding='utf-8') as _dsbot_f:\n    __import__('json').dump(${expr}, _dsbot_f, default=str)`;
  if (options.signal?.aborted) throw new CancelledError();
  const r = await sandbox.exec(code, { signal: options.signal, timeoutMs: options.timeoutMs });
  raiseForHostCell(what, r, options);
  // A guarded sandbox (src/agent/work-files.ts) refuses a larger file before reading it.
  const buf = await (sandbox.readFile as (rel: string, maxBytes?: number) => Promise<Buffer>).call(sandbox, RESULT_FILE, MAX_RESULT_BYTES);
  if (buf.length > MAX_RESULT_BYTES) throw new SandboxError(`${what}: the kernel's result is larger than ${MAX_RESULT_BYTES} bytes`);
  const raw = buf.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new SandboxError(`${what}: the kernel's result is not valid JSON (${raw.length} bytes)`, { cause: err });
  }
  if (!options.schema) return value as T;
  const parsed = options.schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SandboxError(`${what}: the kernel's result has the wrong shape (${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'})`);
  }
  return parsed.data as T;
}
