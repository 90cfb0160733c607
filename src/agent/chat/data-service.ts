/**
 * Chat mode's view of the data: one warm sandbox per chat agent (started on first use, reused,
 * restarted when a new dataset must be mounted, closed with the agent), per-dataset profiles
 * cached by file hash under `dataDir/chat-profiles`, and read-only pandas queries checked by an
 * AST allow-list inside the kernel (chat_kernel.py).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.js';
import { InputError, SandboxError } from '../../errors.js';
import type { Sandbox } from '../../sandbox/types.js';

/** A dataset chat can read. */
export interface DatasetInfo {
  /** Dataset name (config key). */
  name: string;
  /** Host path of the CSV. */
  path: string;
  /** Host path of a free-text data dictionary. */
  dictionary?: string;
  /** One-line description from config. */
  description?: string;
}

/** One column of a profile. */
export interface ColumnProfile {
  /** Column name. */
  name: string;
  /** pandas dtype. */
  dtype: string;
  /** Broad kind. */
  kind: 'numeric' | 'text' | 'boolean';
  /** Nulls plus blank strings. */
  missing: number;
  /** Missing as a percentage of rows. */
  missing_pct: number;
  /** Distinct non-missing values. */
  unique: number;
  /** Most frequent values with counts (values as text). */
  top: [string | number | null, number][];
  /** Numeric columns: smallest value. */
  min?: number;
  /** Numeric columns: largest value. */
  max?: number;
  /** Numeric columns: mean. */
  mean?: number;
  /** Numeric columns: median. */
  median?: number;
  /** Numeric columns: standard deviation. */
  std?: number;
  /** Text columns: shortest value length. */
  min_length?: number;
  /** Text columns: longest value length. */
  max_length?: number;
}

/** A whole-file profile (pandas, in the sandbox). */
export interface DatasetProfile {
  /** Dataset name. */
  name: string;
  /** Data rows. */
  rows: number;
  /** Per-column facts, in file order. */
  columns: ColumnProfile[];
  /** sha256 of the file (first 16 hex chars): the cache key. */
  fileHash: string;
}

/** Outcome of one query_data expression. */
export interface QueryResult {
  /** True when the expression was accepted and evaluated. */
  ok: boolean;
  /** Rendered result (size-capped). */
  result?: string;
  /** Why it was rejected or failed (the model's mistake, returned as data). */
  error?: string;
  /** Python type of the result. */
  type?: string;
  /** Shape of a DataFrame/Series result before capping. */
  shape?: number[] | null;
  /** True when rows or characters were cut. */
  truncated?: boolean;
  /** Dataset columns the expression mentions. */
  columns: string[];
}

/** What the chat tools need from the data. */
export interface ChatData {
  /** Datasets chat may read, by name. */
  datasets(): DatasetInfo[];
  /** The dataset or an InputError naming the known ones. */
  dataset(name: string): DatasetInfo;
  /** Profile from memory, disk cache (same file hash) or the sandbox. */
  profile(name: string, signal?: AbortSignal): Promise<DatasetProfile>;
  /** Cached profile without computing (undefined when none is cached for the current file). */
  cachedProfile(name: string): Promise<DatasetProfile | undefined>;
  /** Evaluates one read-only pandas expression over `df` = the dataset. */
  query(name: string, expression: string, signal?: AbortSignal): Promise<QueryResult>;
  /** The dictionary text, when the dataset has one. */
  dictionaryText(name: string): string | undefined;
  /** Closes the sandbox. */
  close(): Promise<void>;
}

/** Options of `createChatData`. */
export interface ChatDataOptions {
  /** A fresh, not yet started sandbox. */
  createSandbox: () => Sandbox;
  /** Datasets beyond config (e.g. registered uploads). Default: `config.datasets`. */
  datasets?: () => Record<string, { path: string; dictionary?: string; description?: string }>;
  /** Per-query wall-clock limit, ms. Default 30 000. */
  queryTimeoutMs?: number;
  /** Rows and characters of a rendered result. Default 50 / 4000. */
  maxRows?: number;
  /** Characters of a rendered result. Default 4000. */
  maxChars?: number;
}

const KERNEL_SOURCE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'chat_kernel.py'), 'utf8');
const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

async function fileHash(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex').slice(0, 16);
}

/** Creates the data service of one chat agent. */
export function createChatData(config: Config, options: ChatDataOptions): ChatData {
  const profiles = new Map<string, DatasetProfile>(); // key: name@hash
  const hashes = new Map<string, { key: string; hash: string }>(); // path → (size:mtime, hash)
  const cacheDir = path.join(config.dataDir, 'chat-profiles');
  let sandbox: Sandbox | undefined;
  let mounted = new Set<string>();
  let loaded = new Map<string, string>(); // dataset → hash loaded in the kernel
  let workDir: string | undefined;
  let lock: Promise<unknown> = Promise.resolve();
  let closed = false;

  const all = (): Record<string, { path: string; dictionary?: string; description?: string }> => options.datasets?.() ?? config.datasets;

  function dataset(name: string): DatasetInfo {
    const d = all()[name];
    if (!d) throw new InputError(`There is no dataset "${name}". Known datasets: ${Object.keys(all()).join(', ') || 'none'}.`);
    return { name, ...d };
  }

  async function hashOf(name: string): Promise<string> {
    const d = dataset(name);
    let st;
    try {
      st = await stat(d.path);
    } catch (err) {
      throw new InputError(`The file of dataset "${name}" (${d.path}) cannot be read.`, { cause: err });
    }
    const key = `${st.size}:${st.mtimeMs}`;
    const known = hashes.get(d.path);
    if (known?.key === key) return known.hash;
    const hash = await fileHash(d.path);
    hashes.set(d.path, { key, hash });
    return hash;
  }

  /** Runs `fn` with the sandbox, one caller at a time. */
  function withSandbox<T>(fn: (s: Sandbox) => Promise<T>): Promise<T> {
    const run = lock.then(async () => {
      if (closed) throw new SandboxError('The chat agent is closed.');
      return fn(await ensureSandbox());
    });
    lock = run.catch(() => undefined);
    return run;
  }

  async function ensureSandbox(): Promise<Sandbox> {
    // Only files that exist are mounted: one missing dataset must not break chat about the others.
    const names = Object.keys(all()).filter((n) => existsSync(all()[n].path));
    if (sandbox && names.every((n) => mounted.has(n))) return sandbox;
    await sandbox?.close();
    sandbox = undefined;
    // Under the system temp dir: the sandbox's uid must be able to reach it (dataDir may be private).
    // mkdtemp makes it 0700: as root, bwrap (root in a user namespace) could not enter it once it
    // is chowned to the kernel's unmapped uid, so let others traverse it.
    if (!workDir) {
      workDir = await mkdtemp(path.join(os.tmpdir(), 'dsbot-chat-'));
      await chmod(workDir, 0o711);
    }
    const s = options.createSandbox();
    await s.start({
      workDir,
      inputs: names.map((n) => ({ hostPath: path.resolve(all()[n].path), name: `${safe(n)}${path.extname(all()[n].path) || '.csv'}` })),
      files: [{ path: 'dsbot_chat.py', content: KERNEL_SOURCE }],
      setupCode: "exec(compile(open('dsbot_chat.py').read(), 'dsbot_chat.py', 'exec'), globals())",
    });
    sandbox = s;
    mounted = new Set(names);
    loaded = new Map();
    return s;
  }

  /** Calls a chat_kernel.py function with JSON args and parses its JSON answer. */
  async function call<T>(s: Sandbox, fn: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const code = `print(${fn}(__import__('json').loads(${JSON.stringify(JSON.stringify(args))})))`;
    const res = await s.exec(code, { timeoutMs: options.queryTimeoutMs ?? 30_000, signal });
    if (res.stateLost) loaded = new Map();
    if (res.killed) throw new SandboxError(`The chat sandbox was stopped while running ${fn} (${res.killed}).`);
    if (res.error) throw new SandboxError(`${fn} failed in the sandbox: ${res.error.type}: ${res.error.message}`);
    const line = res.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as T;
    } catch (err) {
      throw new SandboxError(`${fn} returned unreadable output: ${line.slice(0, 200)}`, { cause: err });
    }
  }

  async function ensureLoaded(s: Sandbox, name: string, hash: string, signal?: AbortSignal): Promise<void> {
    if (loaded.get(name) === hash) return;
    const d = dataset(name);
    const inside = `${s.paths.data}/${safe(name)}${path.extname(d.path) || '.csv'}`;
    await call(s, 'dsbot_chat_load', { name, path: inside }, signal);
    loaded.set(name, hash);
  }

  const cacheFile = (name: string, hash: string) => path.join(cacheDir, `${safe(name)}-${hash}.json`);

  async function cachedProfile(name: string): Promise<DatasetProfile | undefined> {
    const hash = await hashOf(name);
    const key = `${name}@${hash}`;
    const mem = profiles.get(key);
    if (mem) return mem;
    const file = cacheFile(name, hash);
    if (!existsSync(file)) return undefined;
    try {
      const p = JSON.parse(await readFile(file, 'utf8')) as DatasetProfile;
      profiles.set(key, p);
      return p;
    } catch {
      return undefined;
    }
  }

  return {
    datasets: () => Object.keys(all()).map(dataset),
    dataset,
    cachedProfile,
    async profile(name, signal) {
      const cached = await cachedProfile(name);
      if (cached) return cached;
      const hash = await hashOf(name);
      const computed = await withSandbox(async (s) => {
        await ensureLoaded(s, name, hash, signal);
        return call<Omit<DatasetProfile, 'name' | 'fileHash'>>(s, 'dsbot_chat_profile', { name }, signal);
      });
      const p: DatasetProfile = { name, fileHash: hash, ...computed };
      profiles.set(`${name}@${hash}`, p);
      await mkdir(cacheDir, { recursive: true });
      await writeFile(cacheFile(name, hash), JSON.stringify(p));
      return p;
    },
    async query(name, expression, signal) {
      const hash = await hashOf(name);
      return withSandbox(async (s) => {
        await ensureLoaded(s, name, hash, signal);
        const r = await call<QueryResult>(s, 'dsbot_chat_query', { name, expression, max_rows: options.maxRows ?? 50, max_chars: options.maxChars ?? 4000 }, signal);
        return { ...r, columns: r.columns ?? [] };
      });
    },
    dictionaryText(name) {
      const d = dataset(name);
      if (!d.dictionary) return undefined;
      try {
        return readFileSync(d.dictionary, 'utf8');
      } catch {
        return undefined;
      }
    },
    async close() {
      closed = true;
      await lock.catch(() => undefined);
      await sandbox?.close();
      sandbox = undefined;
      if (workDir) await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** A compact text profile (for describe_dataset, the knowledge store and builtin answers). */
export function profileSummary(p: DatasetProfile): string {
  const lines = [`${p.name}: ${p.rows} rows, ${p.columns.length} columns.`];
  for (const c of p.columns) {
    const bits = [`${c.kind}, ${c.dtype}`];
    if (c.kind === 'numeric' && c.min !== undefined) bits.push(`min ${c.min}, max ${c.max}, mean ${c.mean}, median ${c.median}`);
    if (c.kind === 'text' && c.min_length !== undefined) bits.push(`length ${c.min_length}–${c.max_length}`);
    bits.push(`${c.missing} missing (${c.missing_pct}%)`, `${c.unique} distinct`);
    const top = c.top.slice(0, 3).map(([v, n]) => `${JSON.stringify(v)} ×${n}`).join(', ');
    lines.push(`- ${c.name} (${bits.join('; ')})${top ? `; top: ${top}` : ''}`);
  }
  return lines.join('\n');
}
