/**
 * The chat agent's read-only JSON tools: list_datasets, describe_dataset, search_knowledge,
 * query_data, run_report, run_status. Results are returned as untrusted data (quoted, truncated);
 * failures the model caused (malformed arguments, unknown dataset or collection, rejected
 * expression, wrong column) come back as results naming the valid alternatives, not errors.
 */
import { DsbotError } from '../../errors.js';
import { parseDataDictionary } from '../../knowledge/docs-indexer.js';
import type { CollectionName, KnowledgeStore } from '../../knowledge/types.js';
import type { ToolCall, ToolSpec } from '../models/types.js';
import { untrusted } from '../prompt.js';
import { profileSummary, type ChatData } from './data-service.js';
import { describeRow, describeRun, type RunReader } from './runs.js';

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

/** Quotes tool output as untrusted data (one implementation for the code agent and chat). */
export { untrusted };

const COLLECTIONS = ['datasets', 'insights', 'recipes', 'all'] as const;

/** The tools, with the dataset names as an enum. */
export function chatToolSpecs(datasets: string[]): ToolSpec[] {
  const dataset = { type: 'string', enum: datasets, description: `Dataset name: one of ${datasets.join(', ') || '(none configured)'}` };
  return [
    { name: 'list_datasets', description: 'List the datasets you can answer questions about, with row counts and columns when known.', parameters: { type: 'object', properties: {} } },
    {
      name: 'describe_dataset',
      description: 'Schema, whole-file profile (types, missing values, ranges, top values) and data dictionary of one dataset. Call it before query_data.',
      parameters: { type: 'object', properties: { dataset }, required: ['dataset'] },
    },
    {
      name: 'search_knowledge',
      description: 'Semantic search over dataset documentation (column meanings), insights from past cleaning runs and stored cleaning recipes.',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'What to look for, in words (e.g. "customer income")' },
          collection: { type: 'string', enum: [...COLLECTIONS], description: 'Where to search. Default: all' },
          dataset: { ...dataset, description: 'Only documents about this dataset (optional)' },
        },
        required: ['query'],
      },
    },
    {
      name: 'query_data',
      description:
        'Evaluate ONE read-only pandas expression over the dataset, available as `df` (pd is pandas), in a sandbox. ' +
        'Example: df.groupby("education")["age"].mean().round(1). No imports, assignments, lambdas or dunder attributes; ' +
        'only common read-only DataFrame/Series methods. Results show at most 50 rows, cells cut at 60 characters, and end with "[N of M rows shown]".',
      parameters: {
        type: 'object',
        properties: { dataset, expression: { type: 'string', description: 'One pandas expression over df, e.g. df["age"].describe()' } },
        required: ['dataset', 'expression'],
      },
    },
    {
      name: 'run_report',
      description: 'What a finished cleaning run did (read-only, from its report and lineage files): cells changed, rows removed, cells flagged, or what happened to one row.',
      parameters: {
        type: 'object',
        properties: {
          dataset: { ...dataset, description: 'The dataset of the latest run to read (optional)' },
          run_id: { type: 'string', description: 'A run id (optional; default: the latest run)' },
          aspect: { type: 'string', enum: ['all', 'changed', 'removed', 'flagged'], description: 'What to report. Default: all' },
          row: { type: 'integer', description: 'A row number as in the lineage files (from 0): why it was changed, removed or flagged' },
          column: { type: 'string', description: 'Only the changes to this column' },
        },
      },
    },
    {
      name: 'run_status',
      description: 'Status of cleaning runs started from this thread (or of one run id): queued, running, finished.',
      parameters: { type: 'object', properties: { run_id: { type: 'string', description: 'A run id (optional)' } } },
    },
  ];
}

/** Creates the executor of the chat tools. */
export function createChatTools(deps: { data: ChatData; knowledge: KnowledgeStore; runStatus?: RunStatusFn; runs?: RunReader; maxChars: number }) {
  const { data, knowledge, runStatus, runs, maxChars } = deps;
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
  const names = () => data.datasets().map((d) => d.name);

  /** The dataset argument: `dataset` (or `name`, which describe_dataset once took), checked. */
  function datasetArg(a: Record<string, unknown>, required: boolean): string | undefined {
    const name = str(a.dataset) || str(a.name);
    if (!name && !required) return undefined;
    if (!name) throw new DsbotError('input', `the "dataset" argument is missing. Datasets: ${names().join(', ') || 'none'}.`);
    return data.dataset(name).name;
  }

  async function run(call: ToolCall, threadRef: string, signal?: AbortSignal): Promise<ToolOutcome> {
    const a = call.arguments ?? {};
    const out = (text: string, datasets: string[] = [], columns: string[] = []): ToolOutcome => ({ content: untrusted(call.name, text, maxChars), datasets, columns });
    if (typeof a._unparsed === 'string') {
      const example = call.name === 'query_data' ? '{"dataset": "…", "expression": "df.shape"}' : '{"dataset": "…"}';
      return out(`error: the arguments of ${call.name} are not valid JSON (${JSON.stringify(a._unparsed.slice(0, 120))}). Send one JSON object, e.g. ${example}.`);
    }
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
        const name = datasetArg(a, true)!;
        const p = await data.profile(name, signal);
        const dict = data.dictionaryText(name);
        const entries = dict ? parseDataDictionary(dict, name, p.columns.map((c) => c.name)) : [];
        const dictText = entries.length ? entries.map((e) => `- ${e.column}: ${e.meaning}`).join('\n') : dict ? dict.slice(0, 3_000) : '(no data dictionary)';
        return out(`PROFILE\n${profileSummary(p)}\n\nDATA DICTIONARY\n${dictText}`, [name]);
      }
      case 'search_knowledge': {
        const query = str(a.query);
        if (!query) return out('error: the "query" argument is missing: say in words what to look for.');
        const which = str(a.collection) || 'all';
        if (!(COLLECTIONS as readonly string[]).includes(which)) return out(`error: there is no collection "${which}". Collections: ${COLLECTIONS.join(', ')}.`);
        const collections: CollectionName[] = which === 'all' ? ['datasets', 'insights', 'recipes'] : [which as CollectionName];
        const ds = datasetArg(a, false);
        const where = ds ? { dataset: ds } : undefined;
        const hits = (await Promise.all(collections.map(async (c) => (await knowledge.search(c, query, { k: 4, where })).map((h) => ({ c, h })))))
          .flat()
          .sort((x, y) => y.h.score - x.h.score)
          .slice(0, 6);
        const text = hits.length
          ? hits.map(({ c, h }) => `[${c} ${h.id} score ${h.score.toFixed(2)} ${JSON.stringify(h.metadata)}]\n${h.text.slice(0, 700)}`).join('\n\n')
          : `(nothing found in ${collections.join(', ')}${ds ? ` about ${ds}` : ''})`;
        return out(text);
      }
      case 'query_data': {
        const name = datasetArg(a, true)!;
        const expression = str(a.expression);
        if (!expression) return out('error: the "expression" argument is empty: send one pandas expression over df.', [name]);
        const r = await data.query(name, expression, signal);
        // A rejected or failed expression did not use the data.
        return r.ok ? out(r.result ?? '', [name], r.columns) : out(`error: ${r.error}`);
      }
      case 'run_report': {
        if (!runs) return out('Run reports are not available here.');
        const ds = datasetArg(a, false);
        const id = str(a.run_id);
        const r = id ? await runs.get(id) : (await runs.list(ds))[0];
        if (!r) {
          const known = (await runs.list()).slice(0, 5).map((x) => x.runId);
          return out(`error: ${id ? `there is no finished run "${id}"` : `no finished run${ds ? ` on ${ds}` : ''} has a report`}. Latest runs: ${known.join(', ') || 'none'}.`);
        }
        const row = a.row === undefined || a.row === null || a.row === '' ? undefined : Number(a.row);
        if (row !== undefined && !(Number.isInteger(row) && row >= 0)) return out('error: "row" must be a whole number from 0, as in the lineage files.');
        const aspect = (['all', 'changed', 'removed', 'flagged'] as const).find((x) => x === str(a.aspect)) ?? 'all';
        const text = row !== undefined ? await describeRow(runs, r, row) : await describeRun(runs, r, aspect, str(a.column) || undefined);
        return out(text, r.dataset ? [r.dataset] : []);
      }
      case 'run_status':
        if (!runStatus) return out('Run status is not available here.');
        return out(await runStatus({ threadRef, runId: str(a.run_id) || undefined }));
      default:
        return out(`error: there is no tool "${call.name}". Tools: ${chatToolSpecs([]).map((t) => t.name).join(', ')}.`);
    }
  }

  return {
    /** The tool specs, with today's dataset names. */
    specs: () => chatToolSpecs(names()),
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
