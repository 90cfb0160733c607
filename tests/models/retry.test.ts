/** The providers' retry policy: what is retried, how long it waits, how it fails. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, classifySdkError, retryAfterMs, withRetries } from '../../src/agent/models/retry.js';
import { CancelledError, ProviderError } from '../../src/errors.js';

describe('retry policy', () => {
  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    const date = retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 10_000).toUTCString() }))!;
    expect(date).toBeGreaterThan(8_000);
    expect(date).toBeLessThanOrEqual(10_000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('classifies by status and error kind', () => {
    expect(classifySdkError({ status: 429, message: 'slow down' }).retryable).toBe(true);
    expect(classifySdkError({ status: 503 }).retryable).toBe(true);
    expect(classifySdkError({ status: 400 }).retryable).toBe(false);
    expect(classifySdkError({ status: 401 }).retryable).toBe(false);
    expect(classifySdkError(Object.assign(new Error('t'), { name: 'APIConnectionTimeoutError' })).reason).toBe('request timed out');
    expect(classifySdkError(new SyntaxError('Unexpected end of JSON input')).retryable).toBe(true);
  });

  it('backs off exponentially, capped, and obeys the server up to the cap', () => {
    const p = { retries: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
    for (let i = 0; i < 6; i++) {
      const d = backoffDelay(i, p);
      expect(d).toBeGreaterThanOrEqual(Math.min(1_000, (100 * 2 ** i) / 2));
      expect(d).toBeLessThanOrEqual(1_000);
    }
    expect(backoffDelay(0, p, 700)).toBe(700);
    expect(backoffDelay(0, p, 60_000)).toBe(1_000);
  });

  it('gives up after the budget with a ProviderError keeping the cause', async () => {
    let calls = 0;
    const cause = { status: 500, message: 'boom' };
    const err = await withRetries('test', { retries: 2, baseDelayMs: 1 }, async () => {
      calls++;
      throw cause;
    }).catch((e) => e);
    expect(calls).toBe(3);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.status).toBe(500);
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('test: HTTP 500: boom (3 attempts, retry budget spent).');
  });

  it('stops waiting when aborted', async () => {
    const ac = new AbortController();
    const p = withRetries('test', { retries: 3, baseDelayMs: 60_000 }, async () => {
      throw { status: 503, message: 'down' };
    }, undefined, ac.signal).catch((e) => e);
    setTimeout(() => ac.abort(), 20);
    expect(await p).toBeInstanceOf(CancelledError);
  });
});
