/**
 * ThreadSink for the console: prints posts and status lines to a stream and copies
 * attachments under `<runsDir>/<run-id>/` (default ./runs). Keeps a transcript (`entries`).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/schema.js';
import { ACTION_LABELS, type MessageRef, type OutgoingFile, type PostOptions, type RunAction, type SinkLimits, type StatusView, type ThreadSink } from '../types.js';

export interface ConsoleSinkOptions {
  /** Where output goes; default process.stdout. */
  out?: { write(text: string): unknown };
  /** Attachments go to `<runsDir>/<runId>/`; default `./runs`. */
  runsDir?: string;
  /** The run this sink reports (attachment folder name); default `misc`. */
  runId?: string;
  /** Overrides of the console limits. */
  limits?: Partial<SinkLimits>;
}

/** One thing the console sink showed. */
export interface ConsoleEntry {
  kind: 'post' | 'status' | 'upload';
  /** Message ref (`console:session:n`); uploads have none. */
  ref?: string;
  text: string;
  /** For status entries: the view shown. */
  view?: StatusView;
  /** For uploads: where the copies were written. */
  files?: string[];
  /** Buttons shown with a post or status (`/click <action> <run>` clicks one). */
  actions?: RunAction[];
  /** Epoch ms it was shown. */
  at: number;
}

export interface ConsoleSink extends ThreadSink {
  /** Everything shown so far, in order. */
  readonly entries: ConsoleEntry[];
}

let counter = 0;

/** Renders a text progress bar: `▓▓▓░░░░░░░`. */
export function progressBar(done: number, total: number, width = 10): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return '▓'.repeat(filled) + '░'.repeat(width - filled);
}

/** One-line rendering of a status view. */
export function renderStatusLine(v: StatusView): string {
  const chunks = v.totalChunks > 0 ? `${progressBar(v.chunksDone, v.totalChunks)} ${v.chunksDone}/${v.totalChunks} chunks · ` : '';
  return (
    `[${v.runId}] ${v.title} — ${v.state} · ${v.phase} · ${chunks}${v.rowsProcessed.toLocaleString('en-US')} rows · ` +
    `${(v.elapsedMs / 1000).toFixed(1)} s · ${v.modelCalls} model calls${v.footer ? ` · ${v.footer}` : ''}${buttons(v.actions)}`
  );
}

/** Buttons as text: ` [Stop]` (click with `/click stop <run>`). */
function buttons(actions: RunAction[] | undefined): string {
  return actions?.length ? ` ${actions.map((a) => `[${ACTION_LABELS[a.name]}]`).join(' ')}` : '';
}

export function createConsoleSink(threadRef: string, _config: Config, options: ConsoleSinkOptions = {}): ConsoleSink {
  const out = options.out ?? process.stdout;
  const runsDir = path.resolve(options.runsDir ?? 'runs');
  const entries: ConsoleEntry[] = [];
  const limits: SinkLimits = {
    maxTextChars: 20_000,
    minPostIntervalMs: 0,
    minEditIntervalMs: 500,
    maxUploadBytes: Number.MAX_SAFE_INTEGER,
    ...options.limits,
  };
  const nextRef = () => `${threadRef}:${++counter}`;
  return {
    threadRef,
    limits,
    entries,
    async post(text: string, o?: PostOptions): Promise<MessageRef> {
      const ref = nextRef();
      entries.push({ kind: 'post', ref, text, at: Date.now(), ...(o?.actions?.length ? { actions: o.actions } : {}) });
      out.write(`${text.split('\n').map((l) => `  │ ${l}`).join('\n')}${buttons(o?.actions)}\n`);
      return { id: ref };
    },
    async status(view: StatusView, ref?: MessageRef): Promise<MessageRef> {
      const id = ref?.id ?? nextRef();
      const text = renderStatusLine(view);
      entries.push({ kind: 'status', ref: id, text, view: { ...view }, at: Date.now(), ...(view.actions?.length ? { actions: view.actions } : {}) });
      out.write(`  ⟳ ${text}\n`);
      return { id };
    },
    async upload(files: OutgoingFile[], comment?: string): Promise<void> {
      const dir = path.join(runsDir, options.runId ?? 'misc');
      await mkdir(dir, { recursive: true });
      const written: string[] = [];
      for (const f of files) {
        const dest = path.join(dir, path.basename(f.name));
        if (path.resolve(f.path) !== dest) await copyFile(f.path, dest);
        written.push(dest);
      }
      const text = `${comment ? `${comment}: ` : ''}${written.map((w) => path.relative(process.cwd(), w) || w).join(', ')}`;
      entries.push({ kind: 'upload', text, files: written, at: Date.now() });
      out.write(`  📎 ${text}\n`);
    },
    async flush(): Promise<void> {},
  };
}
