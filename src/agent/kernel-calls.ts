/** Host-side calls into the kernel: run a cell that prints one JSON value and parse it. */
import { CancelledError, InputError, SandboxError } from '../errors.js';
import type { ExecResult, Sandbox } from '../sandbox/types.js';

/** Errors the toolkit raises for bad input files: shown to the person as is. */
const INPUT_ERRORS = new Set(['InputFileError', 'EmptyDataError', 'ParserError', 'UnicodeDecodeError']);

export interface HostCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Treat a Python ValueError as bad input (reading and profiling the file). */
  valueErrorIsInput?: boolean;
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
  if (r.killed) throw new SandboxError(`${what}: the kernel was killed (${r.killed}) after ${Math.round(r.durationMs)} ms.`);
  if (r.error) {
    if (INPUT_ERRORS.has(r.error.type) || (options.valueErrorIsInput && r.error.type === 'ValueError')) {
      throw new InputError(r.error.message);
    }
    throw new CellFailedError(what, r.error);
  }
}

/** Where a host call leaves its JSON result in the work dir (stdout is capped; results can be large). */
const RESULT_FILE = '.dsbot-result.json';

/** Runs `expr` (a Python expression) in the kernel and returns its JSON value. */
export async function kernelJson<T>(sandbox: Sandbox, what: string, setup: string, expr: string, options: HostCallOptions = {}): Promise<T> {
  const code = `${setup}\nwith open(${JSON.stringify(RESULT_FILE)}, 'w', encoding='utf-8') as _dsbot_f:\n    __import__('json').dump(${expr}, _dsbot_f, default=str)`;
  if (options.signal?.aborted) throw new CancelledError();
  const r = await sandbox.exec(code, { signal: options.signal, timeoutMs: options.timeoutMs });
  raiseForHostCell(what, r, options);
  const raw = (await sandbox.readFile(RESULT_FILE)).toString('utf8');
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw new SandboxError(`${what}: the kernel's result is not valid JSON (${raw.length} bytes)`, { cause: err });
  }
}
