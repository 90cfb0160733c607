import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { decideFailure } from '../../src/queue/failure-policy.js';
import { CancelledError, DsbotError, InputError, ProviderError, SandboxError } from '../../src/errors.js';

describe('failure policy', () => {
  it('never retries input, config or cancelled errors', () => {
    for (const err of [new InputError('empty file'), new DsbotError('config', 'bad'), new CancelledError()]) {
      const d = decideFailure(err, 0, 3);
      expect(d.retry).toBe(false);
      expect(d.toThrow).toBeInstanceOf(UnrecoverableError);
      expect(d.toThrow.message).toContain(err.message);
    }
  });

  it('retries provider and sandbox errors while attempts remain', () => {
    for (const err of [new ProviderError('529 overloaded'), new SandboxError('kernel died')]) {
      expect(decideFailure(err, 0, 3).retry).toBe(true);
      expect(decideFailure(err, 1, 3).retry).toBe(true);
      expect(decideFailure(err, 2, 3).retry).toBe(false);
    }
  });

  it('retries internal errors once, and wraps unknown throwables keeping the cause', () => {
    const boom = new TypeError('undefined is not a function');
    const first = decideFailure(boom, 0, 5);
    expect(first.retry).toBe(true);
    expect(first.error.kind).toBe('internal');
    expect(first.error.cause).toBe(boom);
    expect(decideFailure(boom, 1, 5).retry).toBe(false);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(decideFailure(abort, 0, 5).error.kind).toBe('cancelled');
  });
});
