/** Runs the real cleaning engine (real kernel in the local sandbox, real toolkit) for tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunEvent } from '../../src/agent/events.js';
import { createBuiltinModel } from '../../src/agent/models/builtin.js';
import type { ModelProvider, ModelRequest } from '../../src/agent/models/types.js';
import { runCleaning } from '../../src/agent/run.js';
import type { CleaningRunInput } from '../../src/agent/types.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import type { KnowledgeStore } from '../../src/knowledge/types.js';
import { createSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/types.js';

export function tempDir(prefix = 'dsbot-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Writes a CSV (rows of string cells, first row the header) and returns its path. */
export function writeCsv(dir: string, name: string, rows: (string | number)[][]): string {
  const esc = (v: string | number) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const file = path.join(dir, name);
  writeFileSync(file, rows.map((r) => r.map(esc).join(',')).join('\n') + '\n');
  return file;
}

export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, overrides: { knowledge: { kind: 'memory' }, sandbox: { cellTimeoutMs: 30_000 }, ...overrides } });
}

/** A model that records requests and delegates to another (default: the builtin policy). */
export function recording(inner: ModelProvider = createBuiltinModel()): ModelProvider & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    name: inner.name,
    model: inner.model,
    contextWindow: inner.contextWindow,
    requests,
    complete(req) {
      requests.push(structuredClone({ ...req, signal: undefined }));
      return inner.complete(req);
    },
  };
}

export interface RunOutcome {
  events: RunEvent[];
  finished: Extract<RunEvent, { type: 'run_finished' }>;
}

export async function runOnce(
  input: Omit<CleaningRunInput, 'outDir'> & { outDir?: string },
  opts: { config?: Config; model?: ModelProvider; knowledge?: KnowledgeStore; signal?: AbortSignal; onEvent?: (e: RunEvent) => void; createSandbox?: () => Sandbox } = {},
): Promise<RunOutcome> {
  const config = opts.config ?? testConfig();
  const events: RunEvent[] = [];
  const deps = { config, model: opts.model ?? createBuiltinModel(), knowledge: opts.knowledge ?? new MemoryKnowledgeStore(), createSandbox: opts.createSandbox ?? (() => createSandbox(config.sandbox)) };
  for await (const e of runCleaning({ ...input, outDir: input.outDir ?? tempDir('dsbot-run-') }, deps, opts.signal)) {
    events.push(e);
    opts.onEvent?.(e);
  }
  const finished = events.at(-1);
  if (finished?.type !== 'run_finished') throw new Error('run did not finish');
  return { events, finished };
}
