/**
 * The Sandbox seam (DESIGN.md decision 3): one Python kernel protocol, two places to run it
 * (local bubblewrap, E2B). The agent only ever sees this interface.
 */

/** A Python error raised by a cell: the model's mistake, returned as data, never thrown. */
export interface CellError {
  /** Exception class name, e.g. `KeyError`. */
  type: string;
  /** `str(exception)`. */
  message: string;
  /** Traceback trimmed to the cell's own lines (no kernel frames). */
  traceback: string;
}

/** Why the kernel was killed while running a cell (`disk-quota`: the local work dir passed `sandbox.local.workDirMb`). */
export type KillReason = 'timeout' | 'memory' | 'aborted' | 'crashed' | 'disk-quota';

/** What running one cell produced. */
export interface ExecResult {
  /** Captured stdout, capped (see `maxOutputBytes`) with a `[truncated N bytes]` marker. */
  stdout: string;
  /** Captured stderr, capped like stdout. */
  stderr: string;
  /** Set when the cell raised. */
  error?: CellError;
  /** Wall-clock time of the cell inside the kernel (or until it was killed). */
  durationMs: number;
  /** True when the cell called `final_answer(value)`. */
  hasFinalAnswer: boolean;
  /** The value passed to `final_answer` (JSON-serialisable form). */
  finalAnswer?: unknown;
  /** Set when the kernel was killed (and restarted) because of this cell. */
  killed?: KillReason;
  /** True when the kernel's namespace was lost (it was killed and restarted). */
  stateLost: boolean;
}

/** Options of one `exec` call. */
export interface ExecOptions {
  /** Wall-clock limit for this cell; default from config (`sandbox.cellTimeoutMs`). */
  timeoutMs?: number;
  /** Aborting kills the running cell's kernel within a second; the result has `killed: 'aborted'`. */
  signal?: AbortSignal;
}

/**
 * A host-side tool callable from Python as `name(*args, **kwargs)`. The kernel blocks until
 * the handler settles; a thrown error becomes a Python `HostToolError`.
 */
export type HostToolHandler = (args: unknown[], kwargs: Record<string, unknown>) => Promise<unknown> | unknown;

/** A host file made visible (read-only) inside the sandbox under `paths.data`. */
export interface InputFile {
  /** Absolute path on the host. */
  hostPath: string;
  /** Bare file name it gets under `paths.data` inside the sandbox. */
  name: string;
}

/** Options of `start`. */
export interface SandboxStartOptions {
  /** Host directory that becomes the sandbox's only writable directory (`paths.work`). */
  workDir: string;
  /** Read-only inputs, visible as `${paths.data}/${name}`. */
  inputs?: InputFile[];
  /** Extra files written into the work dir before the kernel starts (path relative to work dir). */
  files?: { path: string; content: string | Buffer }[];
  /** Host tools exposed to Python by name (e.g. `search_knowledge`). */
  hostTools?: Record<string, HostToolHandler>;
  /**
   * Host directories holding Python packages (e.g. the cleaning toolkit `dsbot_toolkit`), made
   * visible read-only at `/app/lib/<name>` (E2B: uploaded there) with `/app/lib` on `sys.path`.
   */
  pythonPackages?: { hostDir: string; name: string }[];
  /**
   * Python code run once after (re)start of the kernel, e.g. importing the toolkit. Re-run after a
   * kill. A function receives the sandbox's paths (known only once `start` has placed the files).
   */
  setupCode?: string | ((paths: SandboxPaths) => string);
}

/** Paths as seen from inside the sandbox. */
export interface SandboxPaths {
  /** Writable work dir, also the kernel's cwd. */
  work: string;
  /** Read-only inputs dir. */
  data: string;
}

export interface Sandbox {
  /** `local` or `e2b`. */
  readonly kind: 'local' | 'e2b';
  /** Paths inside the sandbox; valid after `start`. */
  readonly paths: SandboxPaths;
  /** Starts the kernel (imports pandas); throws with an install hint when prerequisites are missing. */
  start(options: SandboxStartOptions): Promise<void>;
  /** Runs one cell in the persistent namespace. Python errors come back in the result, not thrown. */
  exec(code: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file relative to the work dir. */
  writeFile(path: string, content: string | Buffer): Promise<void>;
  /** Reads a file relative to the work dir. */
  readFile(path: string): Promise<Buffer>;
  /** Kills the kernel and releases resources. Idempotent. */
  close(): Promise<void>;
}
