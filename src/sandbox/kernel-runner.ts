/**
 * Drives one kernel process for a sandbox: start (init, ready, setupCode), one cell at a time,
 * wall-clock timeouts and aborts (kill, then restart in the background), host-tool calls.
 * Where the process runs (bubblewrap, E2B) is the caller's `launch` function.
 */
import { SandboxError } from '../errors.js';
import { encodeLine, LineDecoder, TailBuffer, toExecResult, type KernelMessage, type ReadyMessage, type ResultMessage, type ToolCallMessage } from './kernel-protocol.js';
import type { ExecOptions, ExecResult, HostToolHandler, KillReason } from './types.js';

/** How a kernel process ended. */
export interface KernelExit {
  /** Exit code, when it exited normally (wrappers such as bwrap report `128 + signal`). */
  code: number | null;
  /** Signal name or number, when it was killed by one. */
  signal: string | number | null;
}

/** Callbacks a launched kernel process reports to. */
export interface KernelIO {
  /** A chunk of the kernel's stdout (protocol lines). */
  onStdout(chunk: string): void;
  /** A chunk of the kernel's stderr (diagnostics). */
  onStderr(chunk: string): void;
  /** The process ended; called once. */
  onExit(exit: KernelExit): void;
}

/** A running kernel process, as seen by the runner. */
export interface KernelProcess {
  /** Writes protocol data to the kernel's stdin. */
  write(data: string): Promise<void>;
  /** Kills the kernel and everything it started (SIGKILL); `onExit` follows. */
  kill(): Promise<void>;
}

/** Starts a kernel process whose output goes to `io`. */
export type LaunchKernel = (io: KernelIO) => Promise<KernelProcess>;

export interface KernelRunnerOptions {
  /** Starts the process (bwrap, E2B command...). */
  launch: LaunchKernel;
  /** Host tools by name. */
  hostTools?: Record<string, HostToolHandler>;
  /** Directories first on sys.path inside the kernel. */
  sysPath?: string[];
  /** Cap of stdout/stderr per cell, bytes. */
  maxOutputBytes: number;
  /** Python run after every (re)start. */
  setupCode?: string;
  /** Limit for the kernel to become ready (pandas import). */
  startTimeoutMs: number;
  /** Default wall-clock limit per cell. */
  cellTimeoutMs: number;
  /** Names the sandbox in error messages, e.g. `local sandbox`. */
  label: string;
  /** Extra hint appended to start failures (what to install or check). */
  startHint?: (stderr: string, ready?: ReadyMessage) => string | undefined;
  /** Watches each cell beside it (the local work-dir quota); see CellWatch. */
  watchCell?: CellWatch;
}

/**
 * Called as a cell starts, with `stop` (kills the cell's kernel; resolves true once it is gone).
 * Returns `end`, awaited after the cell ended and before the kernel restarts: a verdict from it
 * replaces the cell's result with a killed one carrying its note (an abort still reads as aborted).
 */
export type CellWatch = (stop: (reason: KillReason) => Promise<boolean>) => () => Promise<{ reason: KillReason; note: string } | undefined>;

const KILL_GRACE_MS = 3000;

interface Pending {
  id: number;
  onResult(msg: ResultMessage): void;
  onExit(exit: KernelExit): void;
}

/** One kernel process and what the runner knows about it. */
class Live {
  proc?: KernelProcess;
  exit?: KernelExit;
  killReason?: KillReason;
  pending?: Pending;
  readonly stderr = new TailBuffer();
  private readyWaiter?: { resolve(m: ReadyMessage): void; reject(e: Error): void };
  private readyMsg?: ReadyMessage;
  private exitWaiters: (() => void)[] = [];
  readonly decoder: LineDecoder;

  constructor(onTool: (live: Live, msg: ToolCallMessage) => void) {
    this.decoder = new LineDecoder(
      (msg: KernelMessage) => {
        if (msg.type === 'ready') {
          this.readyMsg = msg;
          this.readyWaiter?.resolve(msg);
        } else if (msg.type === 'result') {
          if (this.pending && this.pending.id === msg.id) this.pending.onResult(msg);
        } else if (msg.type === 'tool_call') onTool(this, msg);
      },
      (line) => this.stderr.push(`${line}\n`),
    );
  }

  handleExit(exit: KernelExit): void {
    if (this.exit) return;
    this.exit = exit;
    this.readyWaiter?.reject(new Error(`the kernel exited (${describeExit(exit)})`));
    this.pending?.onExit(exit);
    for (const w of this.exitWaiters.splice(0)) w();
  }

  waitReady(timeoutMs: number): Promise<ReadyMessage> {
    if (this.readyMsg) return Promise.resolve(this.readyMsg);
    if (this.exit) return Promise.reject(new Error(`the kernel exited (${describeExit(this.exit)})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the kernel was not ready within ${timeoutMs} ms`)), timeoutMs);
      this.readyWaiter = {
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
  }

  /** Kills the process and waits (bounded) for it to be gone. */
  async kill(reason: KillReason): Promise<void> {
    this.killReason ??= reason;
    if (this.exit || !this.proc) return;
    const gone = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, KILL_GRACE_MS);
      this.exitWaiters.push(() => (clearTimeout(timer), resolve()));
    });
    await this.proc.kill().catch(() => undefined);
    await gone;
  }
}

function describeExit(exit: KernelExit): string {
  return exit.signal != null ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** Why a kernel died on its own while running a cell. */
export function classifyExit(exit: KernelExit, stderr: string): KillReason {
  const sig = exit.signal ?? (exit.code != null && exit.code > 128 ? exit.code - 128 : null);
  if (sig === 'SIGXCPU' || sig === 24) return 'timeout';
  if (/MemoryError|Cannot allocate memory|bad_alloc|out of memory/i.test(stderr)) return 'memory';
  if (sig === 'SIGKILL' || sig === 9) return 'memory'; // nobody but the kernel's OOM killer sends it
  return 'crashed';
}

export class KernelRunner {
  private live?: Live;
  private booting?: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private closed = false;
  private lostUnreported = false;

  constructor(private readonly opts: KernelRunnerOptions) {}

  /** Starts the kernel and runs setupCode; throws SandboxError (with what to fix) on failure. */
  async start(): Promise<void> {
    this.booting = this.boot();
    await this.booting;
  }

  /** Runs one cell; calls are queued and run one at a time. */
  exec(code: string, options: ExecOptions = {}): Promise<ExecResult> {
    const run = this.queue.then(() => this.execNow(code, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Kills the kernel; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.live?.kill('aborted'); // a running cell resolves as aborted
    await this.booting?.catch(() => undefined); // a (re)start in flight sees `closed` and stops
    await this.live?.kill('aborted');
  }

  private async execNow(code: string, options: ExecOptions): Promise<ExecResult> {
    if (this.closed) throw new SandboxError(`The ${this.opts.label} is closed.`);
    if (options.signal?.aborted) return killedResult('aborted', 0, false, 'aborted before it started');
    const live = await this.ensureLive();
    const stateLost = this.lostUnreported;
    this.lostUnreported = false;
    const end = this.opts.watchCell?.(async (reason) => (await live.kill(reason), Boolean(live.exit)));
    let result = await this.runCell(live, code, options.timeoutMs ?? this.opts.cellTimeoutMs, options.signal);
    const verdict = await end?.();
    if (verdict && result.killed !== 'aborted') result = killedResult(verdict.reason, result.durationMs, true, verdict.note);
    if (result.killed) {
      if (!this.closed) this.reboot();
      return result;
    }
    return stateLost ? { ...result, stateLost: true } : result;
  }

  private async ensureLive(): Promise<Live> {
    await this.booting?.catch(() => undefined); // a (re)start in flight
    if (!this.booting || !this.live || this.live.exit) {
      if (this.live?.exit && !this.live.killReason) this.lostUnreported = true; // it died between cells
      this.reboot();
    }
    await this.booting;
    if (!this.live || this.live.exit) throw new SandboxError(`The ${this.opts.label} kernel died right after starting.`);
    return this.live;
  }

  private reboot(): void {
    const boot = this.boot();
    this.booting = boot;
    boot.catch(() => {
      if (this.booting === boot) this.booting = undefined; // the next exec tries again
    });
  }

  private async boot(): Promise<void> {
    const live = new Live((l, msg) => void this.handleTool(l, msg));
    this.live = live;
    const fail = async (what: string, cause?: unknown, ready?: ReadyMessage): Promise<never> => {
      await live.kill('crashed');
      const stderr = live.stderr.toString().trim();
      const hint = this.opts.startHint?.(stderr, ready);
      const detail = stderr ? `\nKernel stderr:\n${stderr.slice(-2000)}` : '';
      throw new SandboxError(`The ${this.opts.label} could not start: ${what}.${hint ? ` ${hint}` : ''}${detail}`, { cause });
    };
    try {
      live.proc = await this.opts.launch({
        onStdout: (c) => live.decoder.push(c),
        onStderr: (c) => live.stderr.push(c),
        onExit: (e) => live.handleExit(e),
      });
    } catch (err) {
      return fail(`launching the kernel failed (${(err as Error).message})`, err);
    }
    if (this.closed) return void (await live.kill('aborted')); // closed while launching
    const init = { type: 'init', tools: Object.keys(this.opts.hostTools ?? {}), max_output_bytes: this.opts.maxOutputBytes, sys_path: this.opts.sysPath ?? [] };
    let ready: ReadyMessage;
    try {
      await live.proc.write(encodeLine(init));
      ready = await live.waitReady(this.opts.startTimeoutMs);
    } catch (err) {
      return fail((err as Error).message, err);
    }
    if (!ready.pandas) return fail(`its Python (${ready.python}) cannot import pandas (${ready.pandas_error ?? 'unknown error'})`, undefined, ready);
    if (this.opts.setupCode?.trim()) {
      const r = await this.runCell(live, this.opts.setupCode, Math.max(this.opts.cellTimeoutMs, this.opts.startTimeoutMs));
      if (r.killed) return fail(`setupCode was killed (${r.killed})`);
      if (r.error) return fail(`setupCode raised ${r.error.type}: ${r.error.message}\n${r.error.traceback}`);
    }
    if (this.closed) await live.kill('aborted');
  }

  private runCell(live: Live, code: string, timeoutMs: number, signal?: AbortSignal): Promise<ExecResult> {
    const id = this.nextId++;
    const started = performance.now();
    return new Promise<ExecResult>((resolve) => {
      let settled = false;
      const finish = (r: ExecResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (live.pending?.id === id) live.pending = undefined;
        resolve(r);
      };
      const elapsed = () => performance.now() - started;
      const kill = (reason: KillReason, note: string) => {
        void live.kill(reason).then(() => finish(killedResult(reason, elapsed(), true, note)));
      };
      const onAbort = () => kill('aborted', 'the cell was aborted');
      const timer = setTimeout(() => kill('timeout', `the cell ran longer than ${timeoutMs} ms`), Math.min(timeoutMs, 2 ** 31 - 1));
      signal?.addEventListener('abort', onAbort, { once: true });
      live.pending = {
        id,
        onResult: (msg) => finish(toExecResult(msg, false)),
        onExit: (exit) => {
          const reason = live.killReason ?? classifyExit(exit, live.stderr.toString());
          const tail = live.stderr.toString().trim().slice(-1500);
          const note = live.killReason ? `the cell was stopped (${reason})` : `the kernel died (${describeExit(exit)})${tail ? `:\n${tail}` : ''}`;
          finish(killedResult(reason, elapsed(), true, note));
        },
      };
      if (live.exit) return live.pending.onExit(live.exit);
      live.stderr.clear(); // a death is judged by what this cell wrote
      live.proc!.write(encodeLine({ type: 'exec', id, code })).catch(() => undefined); // a dead kernel reports through onExit
    });
  }

  private async handleTool(live: Live, msg: ToolCallMessage): Promise<void> {
    let line: string;
    try {
      const handler = this.opts.hostTools?.[msg.name];
      if (!handler) throw new Error(`unknown host tool ${msg.name}`);
      const value = await handler(Array.isArray(msg.args) ? msg.args : [], msg.kwargs ?? {});
      line = encodeLine({ type: 'tool_result', id: msg.id, ok: true, value: value === undefined ? null : value });
    } catch (err) {
      line = encodeLine({ type: 'tool_result', id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
    if (!live.exit) await live.proc?.write(line).catch(() => undefined);
  }
}

function killedResult(reason: KillReason, durationMs: number, stateLost: boolean, note: string): ExecResult {
  const lost = stateLost ? ' The kernel was restarted: its variables are lost.' : '';
  return { stdout: '', stderr: `[dsbot: ${note}.${lost}]`, durationMs, hasFinalAnswer: false, killed: reason, stateLost };
}
