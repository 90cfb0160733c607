/**
 * What a run remembers and consults (DESIGN.md: "learned insights and working recipes are kept
 * and consulted next time"): the schema fingerprint, the knowledge host tools the kernel calls,
 * the memory offered at the start of a run, and the recipe stored at its end. A remembered
 * recipe is data (the toolkit's JSON steps), validated when stored and when offered.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { KnowledgeStore } from '../knowledge/types.js';
import type { HostToolHandler } from '../sandbox/types.js';
import { validateRecipe, type RecipeStep } from './recipe-data.js';
import type { CleaningRunInput, RunDeps } from './types.js';

/** The longest insight a run may record (it is stored, posted into the thread and offered to later runs). */
const MAX_INSIGHT_CHARS = 4000;

/** Column names normalised and hashed: the key under which recipes and insights are remembered. */
export function schemaFingerprint(columns: string[]): string {
  const norm = columns.map((c) => c.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, ''));
  return createHash('sha256').update(norm.join('|')).digest('hex').slice(0, 16);
}

/** The knowledge tools the kernel can call: `search_knowledge(query)` and `document_learning_insights(notes, tags)`. */
export function createKnowledgeTools(
  knowledge: KnowledgeStore,
  run: { runId: string; dataset: string; fingerprint: () => string; onInsight: (text: string) => void },
): Record<string, HostToolHandler> {
  return {
    search_knowledge: async (args) => {
      const query = String(args[0] ?? '').slice(0, 2000);
      const hits = await Promise.all(
        (['datasets', 'insights', 'recipes'] as const).map(async (c) => (await knowledge.search(c, query, { k: 3 })).map((h) => ({ collection: c, text: h.text.slice(0, 1500), score: Number(h.score.toFixed(3)), metadata: h.metadata }))),
      );
      return hits.flat().sort((a, b) => b.score - a.score).slice(0, 6);
    },
    document_learning_insights: async (args, kwargs) => {
      // The kernel is an adversary (DESIGN.md decision 10): bounded text only, never a whole table.
      const notes = String(args[0] ?? kwargs.notes ?? '').trim();
      const rawTags = (args[1] ?? kwargs.tags ?? []) as unknown;
      const tags = (Array.isArray(rawTags) ? rawTags : [rawTags]).slice(0, 20).map((t) => String(t).slice(0, 64));
      if (!notes) return 'nothing recorded: notes were empty';
      if (notes.length > MAX_INSIGHT_CHARS) throw new Error(`notes are ${notes.length} chars; keep an insight under ${MAX_INSIGHT_CHARS} chars`);
      const fingerprint = run.fingerprint();
      // Keyed by content: the same lesson learned again replaces itself instead of piling up.
      const id = `${fingerprint}:${createHash('sha256').update(notes).digest('hex').slice(0, 16)}`;
      await knowledge.upsert('insights', [
        { id, text: notes, metadata: { runId: run.runId, dataset: run.dataset, fingerprint, tags: tags.join(','), at: Date.now() } },
      ]);
      run.onInsight(notes);
      return `recorded as ${id}`;
    },
  };
}

/** What memory offers a run: insights, and the last successful recipe for this schema when it is valid data. */
export interface Remembered {
  insights: string[];
  /** The toolkit recipe's steps, validated (src/agent/recipe-data.ts). */
  recipe?: RecipeStep[];
  /** Why a stored recipe was not offered (not JSON steps, an unknown op…). */
  refused?: string;
}

/** Insights and the last successful recipe stored for this schema (offered only if it validates as toolkit JSON steps). */
export async function consultMemory(deps: RunDeps, fingerprint: string): Promise<Remembered> {
  const [insights, recipes] = await Promise.all([
    deps.knowledge.get('insights', { where: { fingerprint }, limit: 20 }),
    deps.knowledge.get('recipes', { where: { fingerprint, outcome: 'succeeded' }, limit: 20 }),
  ]);
  const latest = recipes.sort((a, b) => Number(b.metadata.at ?? 0) - Number(a.metadata.at ?? 0))[0];
  const out: Remembered = { insights: insights.map((d) => d.text).slice(-8) };
  if (latest) {
    const v = validateRecipe(latest.text);
    if (v.ok) out.recipe = v.steps;
    else out.refused = v.reason;
  }
  return out;
}

/**
 * Stores the run's recipe (the toolkit's JSON steps, already validated) under its schema
 * fingerprint, replacing the previous one. Call it only for a recipe that passed every check.
 */
export async function rememberRecipe(deps: RunDeps, input: CleaningRunInput, fingerprint: string, recipeJson: string, fin: { rows_in: number; rows_out: number }): Promise<void> {
  const v = validateRecipe(recipeJson);
  if (!v.ok) throw new Error(`the recipe is not valid toolkit JSON (${v.reason})`);
  await deps.knowledge.upsert('recipes', [
    {
      id: fingerprint,
      text: v.json,
      metadata: { fingerprint, outcome: 'succeeded', runId: input.runId, dataset: input.datasetName ?? path.basename(input.inputPath), rowsIn: fin.rows_in, rowsOut: fin.rows_out, at: Date.now() },
    },
  ]);
}

