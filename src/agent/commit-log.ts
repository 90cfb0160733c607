/**
 * The commit log of a run (DESIGN.md decision 7): one JSON line per committed chunk, fsynced,
 * in the run directory. A retried or resumed run starts at the first uncommitted chunk, and
 * the final file is built from committed parts only, so every row appears once.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface ChunkCommit {
  index: number;
  rowsIn: number;
  rowsOut: number;
  rowsRemoved: number;
  /** sha256 of the chunk's cleaned part file. */
  hash: string;
  /** Whether the chunk passed validation (a chunk can be committed with failed checks after adaptations ran out). */
  ok: boolean;
  at: number;
}

export class CommitLog {
  readonly file: string;
  private readonly commits = new Map<number, ChunkCommit>();

  constructor(runDir: string) {
    this.file = path.join(runDir, 'commits.jsonl');
    if (!existsSync(this.file)) return;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const c = JSON.parse(line) as ChunkCommit;
        this.commits.set(c.index, c);
      } catch {
        // A torn last line (crash while writing): that chunk was not committed.
      }
    }
  }

  /** Committed chunk indices, ascending. */
  indices(): number[] {
    return [...this.commits.keys()].sort((a, b) => a - b);
  }

  has(index: number): boolean {
    return this.commits.has(index);
  }

  all(): ChunkCommit[] {
    return this.indices().map((i) => this.commits.get(i)!);
  }

  /** Appends and fsyncs; a chunk commits once (a second commit of the same index is ignored). */
  commit(c: ChunkCommit): void {
    if (this.commits.has(c.index)) return;
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, JSON.stringify(c) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.commits.set(c.index, c);
  }
}
