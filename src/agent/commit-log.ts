/**
 * The commit log of a run (DESIGN.md decision 7): one JSON line per committed chunk, fsynced,
 * in the run directory. A retried or resumed run starts at the first uncommitted chunk, and
 * the final file is built from committed parts only, so every row appears once.
 *
 * Attempts are fenced: a queued run that lost its job lock may still be running on another
 * machine when the job runs again. With a `CommitFence` (the worker gives one backed by Redis),
 * each attempt claims a new epoch when it begins, and a commit is accepted only if, atomically,
 * its attempt is still the newest and the chunk is not committed yet. A stale attempt's commit
 * is refused with `StaleAttemptError`, and only the attempt whose commit was accepted writes
 * its line to the file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DsbotError } from '../errors.js';

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

/** Decides, atomically and across processes, which attempt of a run may commit chunks. */
export interface CommitFence {
  /** Starts a new attempt: from now on commits of earlier attempts are refused. Returns every commit accepted so far. */
  begin(): Promise<ChunkCommit[]>;
  /** Records `c` if this attempt is still the newest and chunk `c.index` is not committed yet; false otherwise. */
  commit(c: ChunkCommit): Promise<boolean>;
  /** True while no newer attempt has begun. */
  isCurrent(): Promise<boolean>;
}

/** A newer attempt of the run has begun: this one must stop without committing or reporting. */
export class StaleAttemptError extends DsbotError {
  constructor(message: string) {
    super('cancelled', message);
  }
}

export class CommitLog {
  readonly file: string;
  private readonly commits = new Map<number, ChunkCommit>();

  constructor(
    runDir: string,
    private readonly fence?: CommitFence,
  ) {
    this.file = path.join(runDir, 'commits.jsonl');
    if (!existsSync(this.file)) return;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const c = JSON.parse(line) as ChunkCommit;
        if (!this.commits.has(c.index)) this.commits.set(c.index, c);
      } catch {
        // A torn last line (crash while writing): that chunk was not committed.
      }
    }
  }

  /**
   * Begins this attempt (claims the fence, if any) and adds the commits the fence knows of that
   * the file does not have yet (their attempt may still be writing its line). Call once, first.
   */
  async begin(): Promise<void> {
    if (!this.fence) return;
    for (const c of await this.fence.begin()) if (!this.commits.has(c.index)) this.commits.set(c.index, c);
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

  /**
   * Commits a chunk once: the fence accepts it (or throws StaleAttemptError), then the line is
   * appended and fsynced. A second commit of an index this log already has is ignored.
   */
  async commit(c: ChunkCommit): Promise<void> {
    if (this.commits.has(c.index)) return;
    if (this.fence && !(await this.fence.commit(c))) {
      throw new StaleAttemptError(`Chunk ${c.index} was not committed: a newer attempt of this run has begun (this one lost its job lock).`);
    }
    const fd = openSync(this.file, 'a');
    try {
      writeSync(fd, JSON.stringify(c) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.commits.set(c.index, c);
  }

  /** Throws StaleAttemptError when a newer attempt has begun (checked before writing the outputs). */
  async assertCurrent(): Promise<void> {
    if (this.fence && !(await this.fence.isCurrent())) throw new StaleAttemptError('A newer attempt of this run has begun (this one lost its job lock).');
  }
}
