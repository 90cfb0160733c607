/**
 * The ONE place that decides a failed job's fate from the error's kind (src/errors.ts):
 * input / config / cancelled → never retried; provider / sandbox → retried with the queue's
 * backoff; internal → retried once.
 */
import { UnrecoverableError } from 'bullmq';
import { toDsbotError, type DsbotError } from '../errors.js';

export interface FailureDecision {
  /** The job will be tried again. */
  retry: boolean;
  /** The classified error. */
  error: DsbotError;
  /** What to throw from the processor: the error itself (retry) or an UnrecoverableError (no retry). */
  toThrow: Error;
}

/**
 * Decides retry or not.
 * @param attemptsMade attempts already failed before this one (BullMQ `job.attemptsMade`).
 * @param maxAttempts the job's `attempts` option.
 */
export function decideFailure(err: unknown, attemptsMade: number, maxAttempts: number): FailureDecision {
  const error = toDsbotError(err);
  const attemptsLeft = maxAttempts - (attemptsMade + 1) > 0;
  let retry: boolean;
  switch (error.kind) {
    case 'input':
    case 'config':
    case 'cancelled':
      retry = false;
      break;
    case 'provider':
    case 'sandbox':
      retry = attemptsLeft;
      break;
    case 'internal':
      retry = attemptsLeft && attemptsMade === 0;
      break;
  }
  const toThrow = retry ? error : new UnrecoverableError(`${error.kind}: ${error.message}`);
  if (!retry) (toThrow as Error & { cause?: unknown }).cause = error;
  return { retry, error, toThrow };
}
