/**
 * Embedding functions over HTTP: OpenAI-compatible `/embeddings` and Ollama `/api/embed`.
 * Plain fetch (the `openai` SDK stays in the model provider), batched, with a timeout.
 */
import { DsbotError } from '../../errors.js';
import type { EmbeddingFunction } from '../types.js';

/** Settings of an HTTP embedding function. */
export interface HttpEmbeddingOptions {
  /** Base URL: `https://api.openai.com/v1` (OpenAI) or `http://127.0.0.1:11434` (Ollama). */
  baseUrl: string;
  /** Embedding model id. */
  model: string;
  /** Bearer key (OpenAI). */
  apiKey?: string;
  /** Texts per request. Default 64. */
  batchSize?: number;
  /** Per-request timeout, ms. Default 60 000. */
  timeoutMs?: number;
}

async function postJson(url: string, body: unknown, options: HttpEmbeddingOptions): Promise<any> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (err) {
    throw new DsbotError('internal', `Embedding server ${url} did not answer: ${(err as Error).message}. Check knowledge.embeddingBaseUrl.`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) throw new DsbotError('internal', `Embedding server ${url} answered HTTP ${res.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DsbotError('internal', `Embedding server ${url} sent unreadable JSON.`, { cause: err });
  }
}

async function batched(texts: string[], size: number, fn: (batch: string[]) => Promise<number[][]>): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += size) {
    const batch = texts.slice(i, i + size);
    const vectors = await fn(batch);
    if (vectors.length !== batch.length) throw new DsbotError('internal', `Embedding server returned ${vectors.length} vectors for ${batch.length} texts.`);
    out.push(...vectors);
  }
  return out;
}

/** OpenAI (or compatible) `POST {baseUrl}/embeddings`. */
export function createOpenAIEmbedding(options: HttpEmbeddingOptions): EmbeddingFunction {
  const url = `${options.baseUrl.replace(/\/$/, '')}/embeddings`;
  return {
    name: `openai-${options.model}`,
    embed: (texts) =>
      batched(texts, options.batchSize ?? 64, async (input) => {
        const json = await postJson(url, { model: options.model, input }, options);
        const data = (json?.data ?? []) as { index: number; embedding: number[] }[];
        return [...data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      }),
  };
}

/** Ollama `POST {baseUrl}/api/embed`. */
export function createOllamaEmbedding(options: HttpEmbeddingOptions): EmbeddingFunction {
  const url = `${options.baseUrl.replace(/\/$/, '').replace(/\/v1$/, '')}/api/embed`;
  return {
    name: `ollama-${options.model}`,
    embed: (texts) =>
      batched(texts, options.batchSize ?? 64, async (input) => {
        const json = await postJson(url, { model: options.model, input }, options);
        return (json?.embeddings ?? []) as number[][];
      }),
  };
}
