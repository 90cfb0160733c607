/**
 * The local sandbox's work-dir byte quota. There are no cgroups or filesystem quotas here, and a
 * size-limited tmpfs would hold gigabytes of outputs in RAM, so the host measures the work dir
 * while each cell runs: when it starts, every 250 ms (less often when a walk takes over 60 ms)
 * and when it ends. Past the quota it stops the kernel, then removes what was written since the
 * work dir was last measured under quota: every entry whose ctime (which a cell cannot set back)
 * is at or after that measurement began. Entries unchanged since then are as that measurement saw
 * them, so the work dir is back under quota, and what earlier cells and the host wrote stays.
 *
 * It is a soft limit: between two checks a cell can pass the quota by what the disk takes in
 * 250 ms (each file is also capped by RLIMIT_FSIZE), and then loses those files.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { lstat, opendir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { KillReason } from './types.js';

/** How often a running cell's work dir is measured. */
export const QUOTA_CHECK_MS = 250;

/** Every entry costs at least this (an inode and a directory entry are not free): a flood of empty files is counted too. */
const MIN_ENTRY_BYTES = 4096;

const MIB = 1024 * 1024;

/** Entries measured between two yields to the event loop. */
const YIELD_EVERY = 2_000;

/** Why a cell was stopped, for the runner to report in place of its result. */
export interface QuotaVerdict {
  reason: KillReason;
  note: string;
}

/**
 * Bytes the tree under `root` takes: per entry the larger of its size and its allocated blocks
 * (sparse files count at their size), at least MIN_ENTRY_BYTES; hard links once. Never follows a
 * symlink. Stops counting once past `stopAbove`. Synchronous calls (about 10 ms for 1,200 files
 * here, against 80-160 ms with fs/promises), yielding to the event loop every YIELD_EVERY entries.
 */
export async function measureTree(root: string, stopAbove = Infinity): Promise<number> {
  let total = 0;
  let sinceYield = 0;
  const seen = new Set<string>();
  const dirs = [root];
  while (dirs.length > 0 && total <= stopAbove) {
    const dir = dirs.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // removed meanwhile, or not a directory any more
    }
    for (const name of names) {
      const p = path.join(dir, name);
      const st = lstatQuiet(p);
      if (!st) continue;
      if (st.nlink > 1 && !st.isDirectory()) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += Math.max(st.size, st.blocks * 512, MIN_ENTRY_BYTES);
      if (st.isDirectory()) dirs.push(p);
      if (total > stopAbove) break;
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  return total;
}

function lstatQuiet(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined; // a parent turned into something else meanwhile
  }
}

/**
 * Removes every entry under `root` changed at or after `sinceMs` (ctime): files and links are
 * unlinked (never followed), directories removed once empty. Returns the removed paths, relative.
 * Call only while nothing else writes there (the kernel is dead).
 */
export async function removeChangedSince(root: string, sinceMs: number): Promise<string[]> {
  const removed: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      const handle = await opendir(dir);
      names = [];
      for await (const entry of handle) names.push(entry.name);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        await visit(p);
        if (st.ctimeMs >= sinceMs && (await rmdir(p).then(() => true, () => false))) removed.push(path.relative(root, p));
      } else if (st.ctimeMs >= sinceMs) {
        if (await unlink(p).then(() => true, () => false)) removed.push(path.relative(root, p));
      }
    }
  };
  await visit(root);
  return removed;
}

/** Stops the kernel running the cell; resolves true once it is gone. */
export type StopKernel = (reason: KillReason) => Promise<boolean>;

/** Watches one work dir across the cells of one sandbox. */
export class WorkDirQuota {
  /** When the last measurement that found the work dir under quota began. */
  private lastUnderQuotaAt = Date.now() + 1; // whole ms, rounded up (see check)

  constructor(
    private readonly root: string,
    private readonly quotaMb: number,
    private readonly intervalMs = QUOTA_CHECK_MS,
  ) {}

  private get quotaBytes(): number {
    return this.quotaMb * MIB;
  }

  /**
   * Starts watching a cell that has just started. Returns `end`, to await once the cell has
   * ended: it measures a last time and resolves with a verdict when the cell was stopped.
   */
  watch(stop: StopKernel): () => Promise<QuotaVerdict | undefined> {
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    let breach: Promise<QuotaVerdict> | undefined;
    let lastWalkMs = 0;
    const check = async () => {
      const t0 = performance.now();
      // Rounded up: Date.now() is whole milliseconds, ctimes are finer; a file written just before
      // this check began must not count as written after it.
      const startedAt = Date.now() + 1;
      const used = await measureTree(this.root, this.quotaBytes);
      lastWalkMs = performance.now() - t0;
      if (used <= this.quotaBytes) this.lastUnderQuotaAt = Math.max(this.lastUnderQuotaAt, startedAt);
      else breach ??= this.enforce(stop);
    };
    const tick = () => {
      inFlight = check()
        .catch(() => undefined)
        .finally(() => {
          // A big tree is measured less often: walking stays under a fifth of one core.
          if (!ended && !breach) timer = setTimeout(tick, Math.max(this.intervalMs, 4 * lastWalkMs));
        });
    };
    tick();
    return async () => {
      ended = true;
      clearTimeout(timer);
      await inFlight;
      if (!breach) await check().catch(() => undefined);
      return breach;
    };
  }

  private async enforce(stop: StopKernel): Promise<QuotaVerdict> {
    const gone = await stop('disk-quota');
    const removed = gone ? await removeChangedSince(this.root, this.lastUnderQuotaAt) : [];
    const left = await measureTree(this.root).catch(() => NaN);
    removed.sort();
    const shown = removed.slice(0, 5).join(', ') + (removed.length > 5 ? `, … (${removed.length} in all)` : '');
    const what = removed.length > 0 ? `what it wrote since the last check was removed (${shown}), leaving ${Math.ceil(left / MIB)} MiB` : `${Math.ceil(left / MIB)} MiB remain`;
    return {
      reason: 'disk-quota',
      note: `the work dir passed its quota of ${this.quotaMb} MiB (sandbox.local.workDirMb), so the kernel was stopped; ${what}`,
    };
  }
}
