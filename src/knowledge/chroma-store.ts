/**
 * KnowledgeStore on a Chroma server. The only file importing `chromadb`. Vectors come from our
 * EmbeddingFunction (passed explicitly: Chroma's default embedding downloads a model), cosine
 * space; one Chroma collection per (prefix, collection, embedding) so switching embeddings never
 * mixes vector sizes.
 */
import { ChromaClient, type Collection, type Where as ChromaWhere } from 'chromadb';
import { DsbotError } from '../errors.js';
import { chromaAlive } from './chroma-server.js';
import type { CollectionName, EmbeddingFunction, KnowledgeDoc, KnowledgeHit, KnowledgeStore, Metadata, Where } from './types.js';

/** Options of `createChromaKnowledgeStore`. */
export interface ChromaStoreOptions {
  /** Server URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Computes every vector (documents and queries). */
  embedding: EmbeddingFunction;
  /** Collection name prefix (config `knowledge.collectionPrefix`). */
  collectionPrefix: string;
  /** Called by `close()` (e.g. stops an embedded server). */
  onClose?: () => Promise<void>;
}

/** Chroma's rules: 3–512 chars of [a-zA-Z0-9._-], starting and ending alphanumeric. */
export function chromaCollectionName(prefix: string, collection: CollectionName, embedding: string): string {
  const raw = `${prefix}_${collection}_${embedding}`.replace(/[^a-zA-Z0-9._-]/g, '-').replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '');
  return raw.slice(0, 512);
}

function toChromaWhere(where?: Where): ChromaWhere | undefined {
  const entries = Object.entries(where ?? {});
  if (entries.length === 0) return undefined;
  if (entries.length === 1) return { [entries[0][0]]: entries[0][1] } as ChromaWhere;
  return { $and: entries.map(([k, v]) => ({ [k]: v })) } as ChromaWhere;
}

const UPSERT_BATCH = 500;

const wrap = (what: string, err: unknown) =>
  err instanceof DsbotError ? err : new DsbotError('internal', `Chroma ${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });

export class ChromaKnowledgeStore implements KnowledgeStore {
  private readonly client: ChromaClient;
  private readonly collections = new Map<CollectionName, Promise<Collection>>();
  private closed = false;

  constructor(private readonly options: ChromaStoreOptions) {
    const u = new URL(options.url);
    this.client = new ChromaClient({
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
      ssl: u.protocol === 'https:',
    });
  }

  private collection(name: CollectionName): Promise<Collection> {
    let c = this.collections.get(name);
    if (!c) {
      c = this.client.getOrCreateCollection({
        name: chromaCollectionName(this.options.collectionPrefix, name, this.options.embedding.name),
        embeddingFunction: null,
        configuration: { hnsw: { space: 'cosine' } },
        metadata: { dsbot: name, embedding: this.options.embedding.name },
      });
      c.catch(() => this.collections.delete(name));
      this.collections.set(name, c);
    }
    return c;
  }

  async upsert(collection: CollectionName, docs: KnowledgeDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const embeddings = await this.options.embedding.embed(docs.map((d) => d.text));
    try {
      const c = await this.collection(collection);
      // Chroma caps the batch size of one request: send slices.
      for (let i = 0; i < docs.length; i += UPSERT_BATCH) {
        const part = docs.slice(i, i + UPSERT_BATCH);
        await c.upsert({
          ids: part.map((d) => d.id),
          embeddings: embeddings.slice(i, i + UPSERT_BATCH),
          documents: part.map((d) => d.text),
          metadatas: part.map((d) => (Object.keys(d.metadata).length ? d.metadata : { _: true })),
        });
      }
    } catch (err) {
      throw wrap(`upsert into ${collection}`, err);
    }
  }

  async search(collection: CollectionName, query: string, options: { k?: number; where?: Where } = {}): Promise<KnowledgeHit[]> {
    const [q] = await this.options.embedding.embed([query]);
    try {
      const c = await this.collection(collection);
      const res = await c.query({ queryEmbeddings: [q], nResults: options.k ?? 5, where: toChromaWhere(options.where) });
      return res.rows()[0].map((r) => ({
        id: r.id,
        text: r.document ?? '',
        metadata: clean(r.metadata),
        score: Math.max(0, Math.min(1, 1 - (r.distance ?? 1))),
      }));
    } catch (err) {
      throw wrap(`search in ${collection}`, err);
    }
  }

  async get(collection: CollectionName, options: { ids?: string[]; where?: Where; limit?: number } = {}): Promise<KnowledgeDoc[]> {
    try {
      const c = await this.collection(collection);
      const res = await c.get({ ids: options.ids, where: toChromaWhere(options.where), limit: options.limit });
      return res.rows().map((r) => ({ id: r.id, text: r.document ?? '', metadata: clean(r.metadata) }));
    } catch (err) {
      throw wrap(`get from ${collection}`, err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.collections.clear();
    await this.options.onClose?.();
  }
}

/** Metadata as stored (drops the placeholder used for empty metadata and nulls). */
function clean(m: Record<string, unknown> | null | undefined): Metadata {
  const out: Metadata = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    if (k === '_' || v === null || v === undefined) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** Connects to a Chroma server, failing clearly when it does not answer. */
export async function createChromaKnowledgeStore(options: ChromaStoreOptions): Promise<ChromaKnowledgeStore> {
  if (!(await chromaAlive(options.url, 3_000))) {
    await options.onClose?.();
    throw new DsbotError(
      'config',
      `Chroma at ${options.url} does not answer. Start it, fix knowledge.chromaUrl / CHROMA_URL, or unset them for the embedded server.`,
    );
  }
  return new ChromaKnowledgeStore(options);
}
