/**
 * Unknown settings in a config file are refused, with the nearest known one ("did you mean …").
 * zod would silently drop them (`modle: gpt-4` would leave the builtin model on). The known keys
 * come from the schema itself (its JSON Schema), so a setting added to schema.ts is known here
 * without further edits.
 */
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';

/** The part of a JSON Schema this walk reads. */
interface Node {
  properties?: Record<string, Node>;
  /** A record's value schema (`datasets: { name: {...} }`), or false for a closed object. */
  additionalProperties?: Node | boolean;
}

/** One key that the schema does not know. */
export interface UnknownKey {
  /** Dotted path as written, e.g. `model.modle`. */
  path: string;
  /** Dotted path of the nearest known setting, when one is near enough. */
  suggestion?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every known dotted path (records contribute `<name>` segments as `*`). */
function knownPaths(node: Node, prefix: string[] = [], out: string[][] = []): string[][] {
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    out.push([...prefix, k]);
    knownPaths(child, [...prefix, k], out);
  }
  if (isObject(node.additionalProperties)) knownPaths(node.additionalProperties as Node, [...prefix, '*'], out);
  return out;
}

/** A sibling within a typo's reach, or the same key under another section (`chunkRows` → `agent.chunkRows`). */
function suggest(key: string, siblings: string[], parent: string[], all: string[][]): string | undefined {
  if (siblings.length) {
    const near = closest(key, siblings);
    if (distance(key.toLowerCase(), near.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3))) return [...parent, near].join('.');
  }
  const elsewhere = all.find((p) => p[p.length - 1].toLowerCase() === key.toLowerCase() && !p.includes('*'));
  return elsewhere?.join('.');
}

function walk(value: unknown, node: Node, at: string[], all: string[][], out: UnknownKey[]): void {
  if (!isObject(value)) return;
  const props = node.properties;
  const record = isObject(node.additionalProperties) ? (node.additionalProperties as Node) : undefined;
  for (const [key, v] of Object.entries(value)) {
    if (props && key in props) walk(v, props[key], [...at, key], all, out);
    else if (record) walk(v, record, [...at, key], all, out);
    else if (props) out.push({ path: [...at, key].join('.'), suggestion: suggest(key, Object.keys(props), at, all) });
  }
}

/** The keys of `raw` (a parsed config file) that `schema` does not know, in file order. */
export function findUnknownKeys(raw: unknown, schema: z.ZodType): UnknownKey[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
  const out: UnknownKey[] = [];
  walk(raw, root, [], knownPaths(root), out);
  return out;
}

/** One line per unknown key: `  - model.modle: unknown setting; did you mean model.model?` */
export function describeUnknownKeys(keys: UnknownKey[]): string[] {
  return keys.map((k) => `  - ${k.path}: unknown setting${k.suggestion ? `; did you mean ${k.suggestion}?` : ''}`);
}
