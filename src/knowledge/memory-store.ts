/**
 * In-memory KnowledgeStore: for tests and throwaway runs. Ranks by cosine similarity of the
 * given embedding function (default: word-count vectors), so it behaves like the Chroma store.
 */
import type { CollectionName, EmbeddingFunction, KnowledgeDoc, KnowledgeHit, KnowledgeStore, Where } from './types.js';

function matches(doc: KnowledgeDoc, where?: Where): boolean {
  if (!where) return true;
  return Object.entries(where).every(([k, v]) => doc.metadata[k] === v);
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Hashing bag-of-words embedding: only for the in-memory store's default. */
export const wordHashEmbedding: EmbeddingFunction = {
  name: 'word-hash',
  async embed(texts) {
    return texts.map((t) => {
      const v = new Array<number>(256).fill(0);
      for (const w of t.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        let h = 0;
        for (const c of w) h = (h * 31 + c.charCodeAt(0)) >>> 0;
        v[h % 256] += 1;
      }
      return v;
    });
  },
};

export class MemoryKnowledgeStore implements KnowledgeStore {
  private readonly collections = new Map<CollectionName, Map<string, { doc: KnowledgeDoc; vector: number[] }>>();

  constructor(private readonly embedding: EmbeddingFunction = wordHashEmbedding) {}

  private coll(name: CollectionName) {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = new Map()));
    return c;
  }

  async upsert(collection: CollectionName, docs: KnowledgeDoc[]): Promise<void> {
    const vectors = await this.embedding.embed(docs.map((d) => d.text));
    docs.forEach((doc, i) => this.coll(collection).set(doc.id, { doc: structuredClone(doc), vector: vectors[i] }));
  }

  async search(collection: CollectionName, query: string, options: { k?: number; where?: Where } = {}): Promise<KnowledgeHit[]> {
    const [q] = await this.embedding.embed([query]);
    return [...this.coll(collection).values()]
      .filter((e) => matches(e.doc, options.where))
      .map((e) => ({ ...structuredClone(e.doc), score: Math.max(0, Math.min(1, cosine(q, e.vector))) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, options.k ?? 5);
  }

  async get(collection: CollectionName, options: { ids?: string[]; where?: Where; limit?: number } = {}): Promise<KnowledgeDoc[]> {
    return [...this.coll(collection).values()]
      .map((e) => e.doc)
      .filter((d) => (!options.ids || options.ids.includes(d.id)) && matches(d, options.where))
      .slice(0, options.limit ?? Infinity)
      .map((d) => structuredClone(d));
  }

  async close(): Promise<void> {}
}
