/**
 * Chat mode's view of the data: one warm sandbox per chat agent (started on first use, reused,
 * restarted when a new dataset must be mounted, closed with the agent), per-dataset profiles
 * cached by file hash under `dataDir/chat-profiles`, read-only pandas queries and builtin
 * question plans. The kernel side is the read-only package ./dsbot_chat: every query, profile
 * and plan runs in a fresh process forked from the warm kernel (DESIGN.md decision 10), so none
 * can change what the next one sees; what comes back is validated here before use.
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
  /** Broad kind (`date`: text that parses as dates, 90% or more). */
  kind: 'numeric' | 'text' | 'boolean' | 'date';
  /** Nulls plus blank strings. */
  missing: number;
  /** Missing as a percentage of rows. */
  missing_pct: number;
  /** Distinct non-missing values. */
  unique: number;
  /** Most frequent values with counts (values as text). */
  top: [string | number | null, number][];
  /** Every distinct value as text, most frequent first (columns with up to 1,000 short distinct values). */
  values?: string[];
  /** Numeric columns: true when every value is a whole number. */
  integer?: boolean;
  /** Numeric columns: smallest value (date columns: the earliest, ISO text). */
  min?: number | string;
  /** Numeric columns: largest value (date columns: the latest, ISO text). */
  max?: number | string;
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
  /** Computes a builtin question's plan (see dsbot_chat/plan.py); the kernel's answer, unvalidated. */
  compute(name: string, plan: unknown, signal?: AbortSignal): Promise<Record<string, unknown>>;
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
  /** Per-job wall-clock limit (query, profile, plan), ms. Default 20 000. */
  queryTimeoutMs?: number;
  /** Rows and characters of a rendered result. Default 50 / 4000. */
  maxRows?: number;
  /** Characters of a rendered result. Default 4000. */
  maxChars?: number;
}

/** The kernel side (a Python package), bound read-only into the sandbox. */
const CHAT_PACKAGE_DIR = fileURLToPath(new URL('./dsbot_chat', import.meta.url));
/** Bumped when the profile's shape changes (old cache files are ignored). */
const PROFILE_VERSION = 2;
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
  const jobTimeoutMs = options.queryTimeoutMs ?? 20_000;

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
      pythonPackages: [{ hostDir: CHAT_PACKAGE_DIR, name: 'dsbot_chat' }],
      setupCode: 'import dsbot_chat',
    });
    sandbox = s;
    mounted = new Set(names);
    loaded = new Map();
    return s;
  }

  /** Calls a dsbot_chat function with JSON args and parses its JSON answer (untrusted: callers validate). */
  async function call(s: Sandbox, fn: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const code = `print(dsbot_chat.${fn}(__import__('json').loads(${JSON.stringify(JSON.stringify({ ...args, timeout_s: jobTimeoutMs / 1000 }))})))`;
    const res = await s.exec(code, { timeoutMs: jobTimeoutMs + 10_000, signal });
    if (res.stateLost) loaded = new Map();
    if (res.killed) throw new SandboxError(`The chat sandbox was stopped while running ${fn} (${res.killed}).`);
    if (res.error) throw new SandboxError(`${fn} failed in the sandbox: ${res.error.type}: ${res.error.message}`);
    const line = res.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as unknown;
    } catch (err) {
      throw new SandboxError(`${fn} returned unreadable output: ${line.slice(0, 200)}`, { cause: err });
    }
  }

  async function ensureLoaded(s: Sandbox, name: string, hash: string, signal?: AbortSignal): Promise<void> {
    if (loaded.get(name) === hash) return;
    const d = dataset(name);
    const inside = `${s.paths.data}/${safe(name)}${path.extname(d.path) || '.csv'}`;
    await call(s, 'load', { name, path: inside }, signal);
    loaded.set(name, hash);
  }

  const cacheFile = (name: string, hash: string) => path.join(cacheDir, `${safe(name)}-${hash}-v${PROFILE_VERSION}.json`);

  /** Forks the kernel's next job process while nobody waits (queued behind the current caller). */
  function prefork(): void {
    if (!sandbox || closed) return;
    void withSandbox((s) => s.exec('dsbot_chat.prefork()', { timeoutMs: 10_000 })).catch(() => undefined);
  }

  /** Runs one job (profile, query, plan) in a fresh process of the kernel. */
  async function job(name: string, fn: 'profile' | 'query' | 'compute', args: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const hash = await hashOf(name);
    const out = await withSandbox(async (s) => {
      await ensureLoaded(s, name, hash, signal);
      const first = await call(s, fn, { name, ...args }, signal);
      // A kernel that restarted since the load (a crash, a kill) has no data: load again, once.
      if (!isObj(first) || !/^KeyError: "?dataset .* is not loaded/.test(String(first.error ?? ''))) return first;
      loaded.delete(name);
      await ensureLoaded(s, name, hash, signal);
      return call(s, fn, { name, ...args }, signal);
    });
    prefork();
    if (!out || typeof out !== 'object' || Array.isArray(out)) throw new SandboxError(`${fn} returned no JSON object.`);
    return out as Record<string, unknown>;
  }

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
      const out = await job(name, 'profile', {}, signal);
      if (out.ok !== true) throw new SandboxError(`Profiling ${name} failed: ${String(out.error ?? 'no answer').slice(0, 300)}`);
      const p = validProfile(name, hash, out);
      profiles.set(`${name}@${hash}`, p);
      await mkdir(cacheDir, { recursive: true });
      await writeFile(cacheFile(name, hash), JSON.stringify(p));
      return p;
    },
    async query(name, expression, signal) {
      const out = await job(name, 'query', { expression, max_rows: options.maxRows ?? 50, max_chars: options.maxChars ?? 4000 }, signal);
      return validQuery(out, options.maxChars ?? 4000);
    },
    async compute(name, plan, signal) {
      return job(name, 'compute', { plan }, signal);
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

const isObj = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const text = (v: unknown, max = 200) => (typeof v === 'string' ? v.slice(0, max) : v === null || v === undefined ? undefined : String(v).slice(0, max));

/** A profile from the kernel (untrusted JSON), checked field by field. */
function validProfile(name: string, fileHash: string, raw: Record<string, unknown>): DatasetProfile {
  const rows = num(raw.rows);
  if (rows === undefined || !Array.isArray(raw.columns)) throw new SandboxError(`The profile of ${name} has no rows or columns.`);
  const columns = raw.columns.filter(isObj).map((c): ColumnProfile => {
    const kind = (['numeric', 'text', 'boolean', 'date'] as const).find((k) => k === c.kind) ?? 'text';
    const bound = (v: unknown) => (kind === 'date' ? text(v, 40) : num(v));
    return {
      name: String(c.name ?? ''),
      dtype: text(c.dtype, 40) ?? 'object',
      kind,
      missing: num(c.missing) ?? 0,
      missing_pct: num(c.missing_pct) ?? 0,
      unique: num(c.unique) ?? 0,
      top: Array.isArray(c.top) ? c.top.filter(Array.isArray).slice(0, 5).map((t) => [typeof t[0] === 'number' ? t[0] : text(t[0]) ?? null, num(t[1]) ?? 0] as [string | number | null, number]) : [],
      ...(Array.isArray(c.values) ? { values: c.values.slice(0, 1000).map((v) => text(v) ?? '') } : {}),
      ...(typeof c.integer === 'boolean' ? { integer: c.integer } : {}),
      ...(bound(c.min) !== undefined ? { min: bound(c.min), max: bound(c.max) } : {}),
      ...(num(c.mean) !== undefined ? { mean: num(c.mean), median: num(c.median), std: num(c.std) } : {}),
      ...(num(c.min_length) !== undefined ? { min_length: num(c.min_length), max_length: num(c.max_length) } : {}),
    };
  });
  return { name, fileHash, rows, columns };
}

/** A query result from the kernel (untrusted JSON), checked and capped. */
function validQuery(raw: Record<string, unknown>, maxChars: number): QueryResult {
  const cap = maxChars + 200;
  return {
    ok: raw.ok === true,
    ...(raw.result !== undefined ? { result: text(raw.result, cap) } : {}),
    ...(raw.error !== undefined ? { error: text(raw.error, 1200) } : {}),
    ...(raw.type !== undefined ? { type: text(raw.type, 60) } : {}),
    shape: Array.isArray(raw.shape) ? raw.shape.map(num).filter((n): n is number => n !== undefined).slice(0, 2) : null,
    truncated: raw.truncated === true,
    columns: Array.isArray(raw.columns) ? raw.columns.filter((c): c is string => typeof c === 'string').slice(0, 200) : [],
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
