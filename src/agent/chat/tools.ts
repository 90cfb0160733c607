/**
 * The chat agent's read-only JSON tools: list_datasets, describe_dataset, search_knowledge,
 * query_data, run_status. Results are returned as untrusted data (quoted, truncated); failures
 * the model caused (unknown dataset, rejected expression) come back as results, not errors.
 */
import { DsbotError } from '../../errors.js';
import { parseDataDictionary } from '../../knowledge/docs-indexer.js';
import type { CollectionName, KnowledgeStore } from '../../knowledge/types.js';
import type { ToolCall, ToolSpec } from '../models/types.js';
import { untrusted } from '../prompt.js';
import { profileSummary, type ChatData } from './data-service.js';

/** Status of runs for the thread (passed in by the router). */
export type RunStatusFn = (input: { threadRef: string; runId?: string }) => Promise<string>;

/** What one tool call produced. */
export interface ToolOutcome {
  /** Text for the tool message (already quoted as untrusted data). */
  content: string;
  /** Datasets the call read. */
  datasets: string[];
  /** Columns the call used. */
  columns: string[];
}

export const CHAT_TOOLS: ToolSpec[] = [
  { name: 'list_datasets', description: 'List the datasets you can answer questions about.', parameters: { type: 'object', properties: {} } },
  {
    name: 'describe_dataset',
    description: 'Schema, whole-file profile (types, missing values, ranges, top values) and data dictionary of one dataset.',
    parameters: { type: 'object', properties: { name: { type: 'string', description: 'Dataset name' } }, required: ['name'] },
  },
  {
    name: 'search_knowledge',
    description: 'Semantic search over dataset documentation, insights from past cleaning runs and stored recipes.',
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string' },
        collection: { type: 'string', enum: ['datasets', 'insights', 'recipes', 'all'], description: 'Default: all' },
        dataset: { type: 'string', description: 'Only documents about this dataset' },
      },
      required: ['query'],
    },
  },
  {
    name: 'query_data',
    description:
      'Evaluate ONE read-only pandas expression over the dataset, available as `df` (pd is pandas). ' +
      'Example: df.groupby("education")["age"].mean().round(1). No imports, assignments, lambdas or dunder attributes; ' +
      'only common read-only DataFrame/Series methods. Results are capped at 50 rows.',
    parameters: {
      type: 'object',
      properties: { dataset: { type: 'string' }, expression: { type: 'string' } },
      required: ['dataset', 'expression'],
    },
  },
  {
    name: 'run_status',
    description: 'Status of cleaning runs started from this thread (or of one run id).',
    parameters: { type: 'object', properties: { run_id: { type: 'string' } } },
  },
];

/** Quotes tool output as untrusted data (one implementation for the code agent and chat). */
export { untrusted };

/** Creates the executor of the chat tools. */
export function createChatTools(deps: { data: ChatData; knowledge: KnowledgeStore; runStatus?: RunStatusFn; maxChars: number }) {
  const { data, knowledge, runStatus, maxChars } = deps;
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

  async function run(call: ToolCall, threadRef: string, signal?: AbortSignal): Promise<ToolOutcome> {
    const a = call.arguments ?? {};
    const out = (text: string, datasets: string[] = [], columns: string[] = []): ToolOutcome => ({
      content: untrusted(call.name, text, maxChars),
      datasets,
      columns,
    });
    switch (call.name) {
      case 'list_datasets': {
        const rows = await Promise.all(
          data.datasets().map(async (d) => {
            const p = await data.cachedProfile(d.name).catch(() => undefined);
            return { name: d.name, description: d.description ?? '', rows: p?.rows, columns: p?.columns.map((c) => c.name) };
          }),
        );
        return out(JSON.stringify(rows, null, 1));
      }
      case 'describe_dataset': {
        const name = str(a.name);
        const p = await data.profile(data.dataset(name).name, signal);
        const dict = data.dictionaryText(name);
        const entries = dict ? parseDataDictionary(dict, name, p.columns.map((c) => c.name)) : [];
        const dictText = entries.length
          ? entries.map((e) => `- ${e.column}: ${e.meaning}`).join('\n')
          : dict
            ? dict.slice(0, 3_000)
            : '(no data dictionary)';
        return out(`PROFILE\n${profileSummary(p)}\n\nDATA DICTIONARY\n${dictText}`, [name]);
      }
      case 'search_knowledge': {
        const query = str(a.query);
        const which = str(a.collection) || 'all';
        const collections: CollectionName[] = which === 'all' ? ['datasets', 'insights', 'recipes'] : [which as CollectionName];
        const where = str(a.dataset) ? { dataset: str(a.dataset) } : undefined;
        const hits = (await Promise.all(collections.map(async (c) => (await knowledge.search(c, query, { k: 4, where })).map((h) => ({ c, h })))))
          .flat()
          .sort((x, y) => y.h.score - x.h.score)
          .slice(0, 6);
        const text = hits.length
          ? hits.map(({ c, h }) => `[${c} ${h.id} score ${h.score.toFixed(2)} ${JSON.stringify(h.metadata)}]\n${h.text.slice(0, 700)}`).join('\n\n')
          : '(nothing found)';
        return out(text);
      }
      case 'query_data': {
        const name = str(a.dataset);
        const expression = str(a.expression);
        data.dataset(name);
        if (!expression) return out('error: expression is empty', [name]);
        const r = await data.query(name, expression, signal);
        const text = r.ok
          ? `${r.result}${r.truncated ? `\n(result truncated; full shape ${JSON.stringify(r.shape)})` : ''}`
          : `error: ${r.error}`;
        // A rejected or failed expression did not use the data.
        return r.ok ? out(text, [name], r.columns) : out(text);
      }
      case 'run_status':
        if (!runStatus) return out('Run status is not available here.');
        return out(await runStatus({ threadRef, runId: str(a.run_id) || undefined }));
      default:
        return out(`error: there is no tool "${call.name}". Tools: ${CHAT_TOOLS.map((t) => t.name).join(', ')}.`);
    }
  }

  return {
    specs: CHAT_TOOLS,
    /** Runs one call; the model's mistakes (bad names, input errors) come back as text. */
    async execute(call: ToolCall, threadRef: string, signal?: AbortSignal): Promise<ToolOutcome> {
      try {
        return await run(call, threadRef, signal);
      } catch (err) {
        if (err instanceof DsbotError && err.kind === 'input') return { content: untrusted(call.name, `error: ${err.message}`, maxChars), datasets: [], columns: [] };
        throw err;
      }
    },
  };
}
