/**
 * Errors by who is at fault (DESIGN.md decision 4). The model's mistakes are not errors:
 * they become observations. These are ours or the user's; the queue's failure policy
 * (src/queue/failure-policy.ts) decides retries from the `kind`.
 */
export type ErrorKind =
  /** Bad input from a person (missing/empty/binary file, bad request): never retried, message shown as is. */
  | 'input'
  /** Configuration is wrong: never retried. */
  | 'config'
  /** The model provider failed after its own retries (outage, auth): retried by the queue with backoff. */
  | 'provider'
  /** The sandbox could not start or crashed: retried. */
  | 'sandbox'
  /** The run was cancelled. */
  | 'cancelled'
  /** A bug or anything unexpected. */
  | 'internal';

export class DsbotError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

export class InputError extends DsbotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('input', message, options);
  }
}

export class ProviderError extends DsbotError {
  /** HTTP status when there was one. */
  readonly status?: number;
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('provider', message, options);
    this.status = options?.status;
  }
}

export class SandboxError extends DsbotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('sandbox', message, options);
  }
}

export class CancelledError extends DsbotError {
  constructor(message = 'The run was stopped.', options?: { cause?: unknown }) {
    super('cancelled', message, options);
  }
}

/** Wraps anything thrown into a DsbotError, keeping `cause`. */
export function toDsbotError(err: unknown): DsbotError {
  if (err instanceof DsbotError) return err;
  if (err instanceof Error && err.name === 'ConfigError') return new DsbotError('config', err.message, { cause: err });
  if (err instanceof Error && err.name === 'AbortError') return new CancelledError(undefined, { cause: err });
  return new DsbotError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}
