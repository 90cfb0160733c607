/**
 * Remembered recipes are data, not code (DESIGN.md decision 10). A recipe the host keeps or
 * offers is the toolkit's JSON list of steps (src/agent/toolkit/README.md, "Recipe"): each step
 * an object with a known `op` and plain JSON fields. The host validates it before storing it,
 * before offering it, and before the builtin model rebuilds it in the kernel with
 * `make_clean_chunk(json.loads(…))`; remembered Python is never run.
 */

/**
 * The toolkit's recipe ops (`OPS` in dsbot_toolkit/repair/__init__.py; tests/security/recipe-memory.test.ts
 * checks the two lists agree). A step with another op is refused.
 */
export const KNOWN_OPS: ReadonlySet<string> = new Set([
  'strip_whitespace',
  'null_tokens',
  'to_numeric',
  'dominant_format',
  'canonical_categories',
  'map_values',
  'fix_values',
  'split_merged',
  'sources',
  'dependencies',
  'drop_duplicates',
  'range',
  'outliers',
  'rule',
  'learned',
  'corrections',
]);

/** One recipe step: `op` plus plain JSON fields. */
export type RecipeStep = { op: string } & Record<string, unknown>;

const LIMITS = { bytes: 1 << 20, steps: 500, depth: 6, stringChars: 10_000, keys: 50_000 };

/** Checks that `v` is plain JSON (strings, finite numbers, booleans, null, arrays, objects) within the limits. */
function plainJson(v: unknown, depth: number, budget: { keys: number }): string | undefined {
  if (v === null || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'a number that is not finite';
  if (typeof v === 'string') return v.length <= LIMITS.stringChars ? undefined : `a string longer than ${LIMITS.stringChars} chars`;
  if (depth >= LIMITS.depth) return `values nested deeper than ${LIMITS.depth}`;
  if (Array.isArray(v)) {
    budget.keys -= v.length;
    if (budget.keys < 0) return 'too many values';
    for (const x of v) {
      const bad = plainJson(x, depth + 1, budget);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const entries = Object.entries(v as Record<string, unknown>);
    budget.keys -= entries.length;
    if (budget.keys < 0) return 'too many values';
    for (const [k, x] of entries) {
      if (k.length > LIMITS.stringChars) return 'a key longer than the limit';
      const bad = plainJson(x, depth + 1, budget);
      if (bad) return bad;
    }
    return undefined;
  }
  return `a value of type ${typeof v}`;
}

/**
 * Parses and validates a recipe given as JSON text (or an already parsed value): a non-empty
 * list of at most 500 steps, each an object with a known `op`, all fields plain JSON, at most
 * 1 MiB. Returns the steps, or a reason it was refused.
 */
export function validateRecipe(input: unknown): { ok: true; steps: RecipeStep[]; json: string } | { ok: false; reason: string } {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > LIMITS.bytes) return { ok: false, reason: 'larger than 1 MiB' };
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, reason: 'not JSON' };
    }
  }
  if (!Array.isArray(value)) return { ok: false, reason: 'not a list of steps' };
  if (value.length === 0 || value.length > LIMITS.steps) return { ok: false, reason: `must hold 1 to ${LIMITS.steps} steps` };
  const budget = { keys: LIMITS.keys };
  for (const [i, step] of value.entries()) {
    if (typeof step !== 'object' || step === null || Array.isArray(step)) return { ok: false, reason: `step ${i + 1} is not an object` };
    const op = (step as Record<string, unknown>).op;
    if (typeof op !== 'string' || !KNOWN_OPS.has(op)) return { ok: false, reason: `step ${i + 1} has an unknown op` };
    const bad = plainJson(step, 0, budget);
    if (bad) return { ok: false, reason: `step ${i + 1} holds ${bad}` };
  }
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > LIMITS.bytes) return { ok: false, reason: 'larger than 1 MiB' };
  return { ok: true, steps: value as RecipeStep[], json };
}

/**
 * The recipe as it is remembered for later files of the same schema: the learned conventions stay
 * (`learned` steps), the corrected rows of this file do not (`corrections` steps name its rows).
 */
export function forMemory(steps: RecipeStep[]): RecipeStep[] {
  return steps.filter((st) => st.op !== 'corrections');
}

/**
 * A kernel cell that builds `RECIPE` and `clean_chunk` from validated steps: the JSON travels
 * base64-encoded, so no value can break out of the literal.
 */
export function recipeCell(steps: RecipeStep[]): string {
  const b64 = Buffer.from(JSON.stringify(steps), 'utf8').toString('base64');
  return [
    'import base64 as _b64, json',
    `_DSBOT_RECIPE_JSON = _b64.b64decode("${b64}").decode("utf-8")`,
    'clean_chunk = make_clean_chunk(json.loads(_DSBOT_RECIPE_JSON))',
    'RECIPE = clean_chunk.recipe',
  ].join('\n');
}
