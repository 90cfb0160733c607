/**
 * The chat agent (chat mode): a tool-calling model with read-only tools when a model is
 * configured, deterministic answers from profile, dictionary and knowledge store with the
 * builtin model. Keeps one warm sandbox per agent and a bounded history per thread.
 */
import path from 'node:path';
import type { Config } from '../../config/schema.js';
import { indexDatasetDocs, indexDatasetFiles } from '../../knowledge/docs-indexer.js';
import { MemoryKnowledgeStore } from '../../knowledge/memory-store.js';
import { createBuiltinEmbedding } from '../../knowledge/embeddings/builtin.js';
import type { KnowledgeStore } from '../../knowledge/types.js';
import { createSandbox as createConfiguredSandbox } from '../../sandbox/index.js';
import type { Sandbox } from '../../sandbox/types.js';
import { createModel } from '../models/index.js';
import type { ModelProvider } from '../models/types.js';
import { answerBuiltin } from './builtin-answerer.js';
import { mentionedColumns } from './column-match.js';
import { createChatData, profileSummary, type DatasetProfile } from './data-service.js';
import { ChatHistory, type HistoryLimits } from './history.js';
import { answerWithModel } from './model-agent.js';
import { createRunReader, type RunReader } from './runs.js';
import { createChatTools, type RunStatusFn } from './tools.js';
import type { ChatAgent, ChatAnswer } from './types.js';
import { tracedTools } from './traced.js';

export type { ChatAgent, ChatAnswer, ChatQuestion } from './types.js';
export type { RunStatusFn } from './tools.js';

/** Collaborators of the chat agent (all optional: defaults come from config). */
export interface ChatAgentDeps {
  /** Default: `createModel(config.model)`. */
  model?: ModelProvider;
  /** Default: an in-memory store with the builtin embedding. */
  knowledge?: KnowledgeStore;
  /** A fresh, not yet started sandbox. Default: `createSandbox(config.sandbox)`. */
  createSandbox?: () => Sandbox;
  /** Status of runs for a thread (the router passes it). */
  runStatus?: RunStatusFn;
  /** Datasets beyond `config.datasets` (e.g. registered uploads). */
  datasets?: () => Record<string, { path: string; dictionary?: string; description?: string }>;
  /** History bounds. */
  history?: HistoryLimits;
  /** Tool rounds per question (model mode). Default 6. */
  maxToolRounds?: number;
  /** Finished cleaning runs (read-only). Default: the run directories under `config.dataDir/runs`. */
  runs?: RunReader;
}

/** Appends which dataset and columns were used, once (not when the text already has such a line). */
function withSources(a: ChatAnswer): ChatAnswer {
  if (!a.datasets.length || /^\s*_?(Used|Sources?):/im.test(a.text)) return a;
  const cols = a.columns.length ? `; columns ${a.columns.map((c) => `\`${c}\``).join(', ')}` : '';
  return { ...a, text: `${a.text}\n\n_Used: dataset ${a.datasets.map((d) => `\`${d}\``).join(', ')}${cols}._` };
}

/** Longest question the builtin parser reads. */
export const MAX_BUILTIN_QUESTION_CHARS = 2_000;

export function createChatAgent(config: Config, deps: ChatAgentDeps = {}): ChatAgent {
  const model = deps.model ?? createModel(config.model);
  const runs = deps.runs ?? createRunReader(path.join(config.dataDir, 'runs'));
  const knowledge = deps.knowledge ?? new MemoryKnowledgeStore(createBuiltinEmbedding());
  const data = createChatData(config, { createSandbox: deps.createSandbox ?? (() => createConfiguredSandbox(config.sandbox)), datasets: deps.datasets });
  const history = new ChatHistory(deps.history);
  const tools = tracedTools(createChatTools({ data, knowledge, runStatus: deps.runStatus, runs, maxChars: config.agent.maxObservationChars }));
  const indexed = new Map<string, string>();
  const headerIndexed = new Set<string>();

  /** Dataset docs (dictionary per column + profile summary) in the knowledge store, once per file version. */
  async function ensureIndexed(name: string, profile: DatasetProfile): Promise<void> {
    if (indexed.get(name) === profile.fileHash) return;
    const d = data.dataset(name);
    await indexDatasetDocs(knowledge, name, {
      dictionaryText: data.dictionaryText(name),
      description: d.description,
      profileSummary: profileSummary(profile),
      columns: profile.columns.map((c) => c.name),
    });
    indexed.set(name, profile.fileHash);
  }

  const context = () =>
    `Datasets: ${data
      .datasets()
      .map((d) => `${d.name}${d.description ? ` (${d.description})` : ''}`)
      .join('; ')}.`;

  return {
    async answer(q, signal) {
      let a: ChatAnswer;
      if (model.name === 'builtin' && q.text.length > MAX_BUILTIN_QUESTION_CHARS) {
        // The builtin parser is linear, but nobody asks a question this long: say so at once.
        return {
          text: `That message is too long for a question (${q.text.length.toLocaleString('en-US')} characters); I answer questions of up to ${MAX_BUILTIN_QUESTION_CHARS.toLocaleString('en-US')} characters. Ask one question at a time.`,
          datasets: [],
          columns: [],
          refused: { missing: 'a shorter question', candidates: [] },
        };
      } else if (model.name === 'builtin') {
        a = await answerBuiltin({ data, knowledge, history, ensureIndexed, runs }, q, signal);
      } else {
        // Index docs so search_knowledge finds the dictionaries: with the cached profile, or on a
        // fresh install from the dictionary and the CSV header (no sandbox needed).
        for (const d of data.datasets()) {
          const p = await data.cachedProfile(d.name).catch(() => undefined);
          if (p) await ensureIndexed(d.name, p).catch(() => undefined);
          else if (!headerIndexed.has(d.name)) {
            headerIndexed.add(d.name);
            await indexDatasetFiles(knowledge, { [d.name]: d }).catch(() => undefined);
          }
        }
        a = await answerWithModel({ model, tools, history, maxRounds: deps.maxToolRounds ?? 6, context }, q, signal);
        // Columns the answer names, for the datasets it read.
        for (const ds of a.datasets) {
          const p = await data.cachedProfile(ds).catch(() => undefined);
          if (p) for (const c of mentionedColumns(a.text, p.columns.map((x) => x.name))) if (!a.columns.includes(c)) a.columns.push(c);
        }
      }
      const { frame, ...out } = a as ChatAnswer & { frame?: unknown };
      history.add(q.threadRef, { question: q.text, answer: out.text, datasets: out.datasets, columns: out.columns, frame });
      return withSources(out);
    },
    async close() {
      await data.close();
    },
  };
}
