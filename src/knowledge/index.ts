/**
 * Picks the KnowledgeStore from config: Chroma at `knowledge.chromaUrl`, else an embedded Chroma
 * server under `dataDir/chroma` (shared with other dsbot processes on the same data dir while it
 * runs), or the in-memory store (`knowledge.kind: memory`).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { chromaAlive, startChromaServer } from './chroma-server.js';
import { createChromaKnowledgeStore } from './chroma-store.js';
import { createEmbeddingFunction } from './embeddings/index.js';
import { MemoryKnowledgeStore } from './memory-store.js';
import type { KnowledgeStore } from './types.js';

export { indexDatasetDocs, indexDatasetFiles, parseDataDictionary } from './docs-indexer.js';
export { createEmbeddingFunction } from './embeddings/index.js';

/** Where a running embedded server announces itself to other processes. */
const stateFile = (config: Config) => path.join(config.dataDir, 'chroma-server.json');

async function embeddedUrl(config: Config): Promise<{ url: string; stop?: () => Promise<void> }> {
  try {
    const state = JSON.parse(readFileSync(stateFile(config), 'utf8')) as { url?: string };
    if (state.url && (await chromaAlive(state.url))) return { url: state.url };
  } catch {
    // no server announced
  }
  const server = await startChromaServer({ dir: path.join(config.dataDir, 'chroma') });
  writeFileSync(stateFile(config), JSON.stringify({ url: server.url, pid: server.pid }));
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      rmSync(stateFile(config), { force: true });
    },
  };
}

/** Creates the configured store; `close()` stops an embedded server this call started. */
export async function createKnowledgeStore(config: Config): Promise<KnowledgeStore> {
  const embedding = createEmbeddingFunction(config);
  if (config.knowledge.kind === 'memory') return new MemoryKnowledgeStore(embedding);
  const { url, stop } = config.knowledge.chromaUrl ? { url: config.knowledge.chromaUrl, stop: undefined } : await embeddedUrl(config);
  return createChromaKnowledgeStore({ url, embedding, collectionPrefix: config.knowledge.collectionPrefix, onClose: stop });
}
