/** Picks the KnowledgeStore from config. */
import type { Config } from '../config/schema.js';
import type { KnowledgeStore } from './types.js';
import { MemoryKnowledgeStore } from './memory-store.js';

/** Placeholder until the Chroma store lands: always in-memory. */
export async function createKnowledgeStore(_config: Config): Promise<KnowledgeStore> {
  return new MemoryKnowledgeStore();
}
