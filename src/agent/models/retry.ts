/**
 * The one retry policy of the model providers (the SDKs' own retries are turned off):
 * retry 429 (honouring `retry-after` / `retry-after-ms`), 408/409, 5xx, timeouts, connection
 * errors and unreadable answers with exponential backoff and jitter; fail at once on other 4xx
 * and on abort. After the budget, a `ProviderError` naming the cause.
 */
import { CancelledError, ProviderError } from '../../errors.js';

/** Retry settings of one provider. */
export interface RetryPolicy {
  /** Retries after the first attempt (config `model.retries`). */
  retries: number;
  /** First backoff delay, ms (doubles each retry). Default 500. */
  baseDelayMs?: number;
  /** Largest backoff delay and largest honoured `retry-after`, ms. Default 30 000. */
  maxDelayMs?: number;
}

/** What the retry loop needs to know about a failed attempt. */
export interface AttemptFailure {
  /** Retry it? */
  retryable: boolean;
  /** HTTP status, when there was a response. */
  status?: number;
  /** Server-requested delay before the next attempt, ms. */
  retryAfterMs?: number;
  /** Short description for the final error message. */
  reason: string;
}

/** Reads `retry-after-ms` / `retry-after` (seconds or HTTP date) from response headers. */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined | null): number | undefined {
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Classifies an SDK error by its shape (status, name), shared by both SDKs. */
export function classifySdkError(err: unknown): AttemptFailure {
  const e = err as { status?: unknown; headers?: { get(name: string): string | null }; name?: string; message?: string };
  const status = typeof e?.status === 'number' ? e.status : undefined;
  const message = e?.message ?? String(err);
  if (status !== undefined) {
    const retryable = status === 429 || status === 408 || status === 409 || status >= 500;
    return { retryable, status, retryAfterMs: retryAfterMs(e.headers), reason: `HTTP ${status}: ${message}` };
  }
  if (err instanceof SyntaxError) return { retryable: true, reason: `unreadable answer (${message})` };
  const name = e?.name ?? '';
  if (/Timeout/i.test(name)) return { retryable: true, reason: 'request timed out' };
  if (/Connection/i.test(name)) return { retryable: true, reason: `connection failed (${message})` };
  return { retryable: true, reason: message };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Delay before retry number `attempt` (0-based): the server's wish, else exponential with jitter. */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfter?: number): number {
  const max = policy.maxDelayMs ?? 30_000;
  if (retryAfter !== undefined) return Math.min(retryAfter, max);
  const base = (policy.baseDelayMs ?? 500) * 2 ** attempt;
  return Math.min(max, base / 2 + Math.random() * (base / 2));
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the budget is spent.
 * `classify` turns an error into an AttemptFailure; aborting `signal` throws CancelledError.
 */
export async function withRetries<T>(
  provider: string,
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  classify: (err: unknown) => AttemptFailure = classifySdkError,
  signal?: AbortSignal,
): Promise<T> {
  for (let i = 0; ; i++) {
    if (signal?.aborted) throw new CancelledError();
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      if (signal?.aborted) throw new CancelledError(undefined, { cause: err });
      const failure = classify(err);
      if (!failure.retryable || i >= policy.retries) {
        const tries = i + 1;
        throw new ProviderError(
          `${provider}: ${failure.reason} (${tries} attempt${tries === 1 ? '' : 's'}${failure.retryable ? ', retry budget spent' : ', not retryable'}).`,
          { cause: err, status: failure.status },
        );
      }
      await sleep(backoffDelay(i, policy, failure.retryAfterMs), signal);
    }
  }
}
