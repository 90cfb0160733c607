/**
 * Imports point down: bots → queue → agent → sandbox/knowledge, and no module imports one that
 * imports it back. Imports are read with the TypeScript compiler's own pre-processor
 * (`ts.preProcessFile`), types included (a type import is a dependency too).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.js';

const SRC = path.join(PROJECT_ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** src-relative module → the src-relative modules it imports. */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of files(SRC)) {
    const deps = ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((f) => f.fileName)
      .filter((f) => f.startsWith('.'))
      .map((f) => path.relative(SRC, path.resolve(path.dirname(file), f)).replace(/\.js$/, '.ts'));
    g.set(path.relative(SRC, file), deps);
  }
  return g;
}

/** The layer of a module: higher layers may import lower ones only. */
const LAYERS: [RegExp, number][] = [
  [/^cli(\/|\.ts$)/, 5],
  [/^bots\//, 4],
  [/^queue\//, 3],
  [/^agent\//, 2],
  [/^(sandbox|knowledge)\//, 1],
  [/^(config|errors|observability)/, 0], // observability: logs, spans, metrics, health; imports no domain module
];
const layerOf = (m: string) => LAYERS.find(([re]) => re.test(m))?.[1] ?? -1;

describe('import direction', () => {
  const g = graph();

  it('no module imports a higher layer (the worker gets its reporter injected, it does not import src/bots)', () => {
    const upward: string[] = [];
    for (const [from, deps] of g) for (const to of deps) if (layerOf(to) > layerOf(from)) upward.push(`${from} → ${to}`);
    expect(upward).toEqual([]);
    expect(g.get('queue/worker.ts')!.some((d) => d.startsWith('bots/'))).toBe(false);
  });

  it('no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (m: string) => {
      state.set(m, 'open');
      stack.push(m);
      for (const d of g.get(m) ?? []) {
        if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].join(' → '));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(m, 'done');
    };
    for (const m of g.keys()) if (!state.has(m)) visit(m);
    expect(cycles).toEqual([]);
  });
});
