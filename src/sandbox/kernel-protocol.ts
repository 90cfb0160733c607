/**
 * The kernel's wire protocol (src/sandbox/kernel/kernel.py): newline-delimited JSON on the
 * kernel's stdin/stdout. Shared by every sandbox that runs the kernel.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecResult } from './types.js';

/** Absolute path of the kernel program on the host. */
export const KERNEL_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kernel', 'kernel.py');

/** First message to the kernel. */
export interface InitMessage {
  /** Message kind. */
  type: 'init';
  /** Host tool names defined as Python functions in the namespace. */
  tools: string[];
  /** Cap of stdout and of stderr per cell, bytes. */
  max_output_bytes: number;
  /** Directories put first on sys.path (e.g. /app/lib). */
  sys_path: string[];
}

/** Kernel → host: the kernel imported pandas and read the init message. */
export interface ReadyMessage {
  /** Message kind. */
  type: 'ready';
  /** Python version, e.g. `3.11.2`. */
  python: string;
  /** pandas version, or null when pandas could not be imported. */
  pandas: string | null;
  /** Why `import pandas` failed, when it did. */
  pandas_error?: string | null;
}

/** Kernel → host: one cell finished. */
export interface ResultMessage {
  /** Message kind. */
  type: 'result';
  /** The `exec` message's id. */
  id: number;
  /** Captured stdout, capped with a `[truncated N bytes]` marker. */
  stdout: string;
  /** Captured stderr, capped likewise. */
  stderr: string;
  /** The exception the cell raised (traceback trimmed to the cell's frames), or null. */
  error: { type: string; message: string; traceback: string } | null;
  /** Time the cell ran inside the kernel. */
  duration_ms: number;
  /** True when the cell called final_answer(). */
  has_final_answer: boolean;
  /** final_answer's value made JSON-safe. */
  final_answer?: unknown;
}

/** Kernel → host: Python called a host tool and blocks until the matching `tool_result`. */
export interface ToolCallMessage {
  /** Message kind. */
  type: 'tool_call';
  /** Call id, echoed in the host's `tool_result`. */
  id: number;
  /** Host tool name. */
  name: string;
  /** Positional arguments (JSON-safe). */
  args: unknown[];
  /** Keyword arguments (JSON-safe). */
  kwargs: Record<string, unknown>;
}

export type KernelMessage = ReadyMessage | ResultMessage | ToolCallMessage;

/** Encodes one host → kernel message as a protocol line. */
export function encodeLine(msg: Record<string, unknown>): string {
  return `${JSON.stringify(msg)}\n`;
}

/** Splits a stream of text chunks into parsed messages; lines that are not messages go to `onJunk`. */
export class LineDecoder {
  private buffer = '';
  /** Where to look for the next newline (the text before it has none). */
  private scanFrom = 0;
  /** Dropping the rest of a line that outgrew `maxLineChars`. */
  private dropping = false;
  constructor(
    private readonly onMessage: (msg: KernelMessage) => void,
    private readonly onJunk: (line: string) => void,
    /** Longest protocol line kept (the kernel caps its own output far below this); a longer one is dropped. */
    private readonly maxLineChars = 16 * 1024 * 1024,
  ) {}

  /** Feeds a chunk of kernel stdout. Memory stays bounded by `maxLineChars` whatever the kernel writes. */
  push(chunk: string): void {
    this.buffer += chunk;
    let nl = this.buffer.indexOf('\n', this.scanFrom);
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.scanFrom = 0;
      if (this.dropping) this.dropping = false;
      else if (line.trim()) this.parse(line);
      nl = this.buffer.indexOf('\n');
    }
    this.scanFrom = this.buffer.length;
    if (this.buffer.length > this.maxLineChars) {
      if (!this.dropping) this.onJunk(`[a kernel line longer than ${this.maxLineChars} characters was dropped]`);
      this.dropping = true;
      this.buffer = '';
      this.scanFrom = 0;
    }
  }

  private parse(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.onJunk(line);
      return;
    }
    if (msg && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string') this.onMessage(msg as KernelMessage);
    else this.onJunk(line);
  }
}

/** Maps a kernel result to the seam's ExecResult. */
export function toExecResult(msg: ResultMessage, stateLost: boolean): ExecResult {
  const result: ExecResult = {
    stdout: msg.stdout ?? '',
    stderr: msg.stderr ?? '',
    durationMs: Number(msg.duration_ms) || 0,
    hasFinalAnswer: Boolean(msg.has_final_answer),
    stateLost,
  };
  if (msg.error) result.error = { type: msg.error.type, message: msg.error.message, traceback: msg.error.traceback };
  if (msg.has_final_answer) result.finalAnswer = msg.final_answer ?? null;
  return result;
}

/** Keeps the last `limit` characters of a stream (kernel stderr, for diagnostics). */
export class TailBuffer {
  private text = '';
  constructor(private readonly limit = 8192) {}
  /** Appends a chunk. */
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }
  /** The kept tail. */
  toString(): string {
    return this.text;
  }
  /** Forgets everything. */
  clear(): void {
    this.text = '';
  }
}
