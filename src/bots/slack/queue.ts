/**
 * One ordered queue per sink: operations run one at a time in the order they were queued,
 * spaced to stay under Slack's rate limits, and an operation answered with HTTP 429 waits the
 * server's Retry-After and runs again, ahead of everything queued after it. Nothing is dropped.
 */

/** Spacing of one kind of operation (token bucket: `burst` at once, then one per `intervalMs`). */
export interface Pace {
  /** Minimum spacing once the burst is spent, ms. */
  intervalMs: number;
  /** Operations allowed back to back. Default 1. */
  burst?: number;
}

export interface OrderedQueueOptions {
  /** Pace per lane (e.g. `post`, `edit`); a lane without one runs unpaced. */
  paces: Record<string, Pace>;
  /** Returns how long to wait before retrying when `err` is a rate-limit answer, else undefined. */
  retryAfterMs(err: unknown): number | undefined;
  /** Rate-limit retries of one operation before giving up. Default 50. */
  maxRateLimitRetries?: number;
  /** Called when an operation is rate-limited (for logs and tests). */
  onRateLimited?(lane: string, waitMs: number): void;
  /** Injectable sleep (tests). */
  sleep?(ms: number): Promise<void>;
}

export interface OrderedQueue {
  /** Queues `op` on `lane`; resolves with its result once it ran (after any waits). */
  run<T>(lane: string, op: () => Promise<T>): Promise<T>;
  /** Resolves when everything queued so far has run (successfully or not). */
  idle(): Promise<void>;
  /** Operations queued and not finished. */
  readonly pending: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Creates an ordered, paced, 429-aware queue. */
export function createOrderedQueue(options: OrderedQueueOptions): OrderedQueue {
  const sleep = options.sleep ?? defaultSleep;
  const maxRetries = options.maxRateLimitRetries ?? 50;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;

  async function waitForPace(lane: string): Promise<void> {
    const pace = options.paces[lane];
    if (!pace || pace.intervalMs <= 0) return;
    const burst = Math.max(1, pace.burst ?? 1);
    const bucket = buckets.get(lane) ?? { tokens: burst, at: Date.now() };
    const refill = (now: number) => {
      bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / pace.intervalMs);
      bucket.at = now;
    };
    refill(Date.now());
    if (bucket.tokens < 1) {
      await sleep(Math.ceil((1 - bucket.tokens) * pace.intervalMs));
      refill(Date.now());
    }
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    buckets.set(lane, bucket);
  }

  async function execute<T>(lane: string, op: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await waitForPace(lane);
      try {
        return await op();
      } catch (err) {
        const waitMs = options.retryAfterMs(err);
        if (waitMs === undefined || attempt >= maxRetries) throw err;
        options.onRateLimited?.(lane, waitMs);
        await sleep(waitMs);
      }
    }
  }

  return {
    run<T>(lane: string, op: () => Promise<T>): Promise<T> {
      pending++;
      const result = tail.then(() => execute(lane, op)).finally(() => pending--);
      tail = result.catch(() => undefined);
      return result;
    },
    idle: () => tail.then(() => undefined),
    get pending() {
      return pending;
    },
  };
}
