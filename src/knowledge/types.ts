/** The KnowledgeStore seam: dataset documentation, insights and recipes (Chroma in production). */

export type CollectionName = 'datasets' | 'insights' | 'recipes';

export type Metadata = Record<string, string | number | boolean>;

export interface KnowledgeDoc {
  /** Stable id; upserting the same id replaces the document. */
  id: string;
  text: string;
  metadata: Metadata;
}

export interface KnowledgeHit extends KnowledgeDoc {
  /** Similarity in [0, 1]; higher is closer. */
  score: number;
}

/** Equality filter on metadata fields (all must match). */
export type Where = Record<string, string | number | boolean>;

export interface KnowledgeStore {
  /** Adds or replaces documents. */
  upsert(collection: CollectionName, docs: KnowledgeDoc[]): Promise<void>;
  /** Semantic search, best first. */
  search(collection: CollectionName, query: string, options?: { k?: number; where?: Where }): Promise<KnowledgeHit[]>;
  /** Documents by id and/or metadata filter (no ranking). */
  get(collection: CollectionName, options?: { ids?: string[]; where?: Where; limit?: number }): Promise<KnowledgeDoc[]>;
  /** Releases connections (and stops an embedded server the store started). */
  close(): Promise<void>;
}

/** Turns texts into vectors (Chroma needs one; the builtin works offline). */
export interface EmbeddingFunction {
  readonly name: string;
  embed(texts: string[]): Promise<number[][]>;
}
