/**
 * The chat agent (chat mode): a tool-calling model with read-only tools when a model is
 * configured, deterministic answers from profile, dictionary and knowledge store with the
 * builtin model. Keeps one warm sandbox per agent and a bounded history per thread.
 */
import type { Config } from '../../config/schema.js';
import { indexDatasetDocs } from '../../knowledge/docs-indexer.js';
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
import { createChatTools, type RunStatusFn } from './tools.js';
import type { ChatAgent, ChatAnswer } from './types.js';
import { tracedTools } from '../../observability/chat-trace.js';

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
}

/** Appends which dataset and columns were used, unless the text already names them. */
function withSources(a: ChatAnswer): ChatAnswer {
  if (!a.datasets.length) return a;
  const cols = a.columns.length ? `; columns ${a.columns.map((c) => `\`${c}\``).join(', ')}` : '';
  return { ...a, text: `${a.text}\n\n_Used: dataset ${a.datasets.map((d) => `\`${d}\``).join(', ')}${cols}._` };
}

export function createChatAgent(config: Config, deps: ChatAgentDeps = {}): ChatAgent {
  const model = deps.model ?? createModel(config.model);
  const knowledge = deps.knowledge ?? new MemoryKnowledgeStore(createBuiltinEmbedding());
  const data = createChatData(config, { createSandbox: deps.createSandbox ?? (() => createConfiguredSandbox(config.sandbox)), datasets: deps.datasets });
  const history = new ChatHistory(deps.history);
  const tools = tracedTools(createChatTools({ data, knowledge, runStatus: deps.runStatus, maxChars: config.agent.maxObservationChars }));
  const indexed = new Map<string, string>();

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
      if (model.name === 'builtin') {
        a = await answerBuiltin({ data, knowledge, history, ensureIndexed }, q, signal);
      } else {
        // Index docs lazily so search_knowledge finds the dictionaries (cached profiles only: cheap).
        for (const d of data.datasets()) {
          const p = await data.cachedProfile(d.name).catch(() => undefined);
          if (p) await ensureIndexed(d.name, p).catch(() => undefined);
        }
        a = await answerWithModel({ model, tools, history, maxRounds: deps.maxToolRounds ?? 6, context }, q, signal);
        // Columns the answer names, for the datasets it read.
        for (const ds of a.datasets) {
          const p = await data.cachedProfile(ds).catch(() => undefined);
          if (p) for (const c of mentionedColumns(a.text, p.columns.map((x) => x.name))) if (!a.columns.includes(c)) a.columns.push(c);
        }
      }
      history.add(q.threadRef, { question: q.text, answer: a.text, datasets: a.datasets, columns: a.columns });
      return withSources(a);
    },
    async close() {
      await data.close();
    },
  };
}
