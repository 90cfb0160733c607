/**
 * A cleaning run: consult memory → profile → explore & draft recipe → replay chunk by chunk
 * → reflect. Placeholder until the cleaning-engine issue lands; the signature is the contract.
 */
import type { RunEvent } from './events.js';
import type { CleaningRunInput, RunDeps } from './types.js';

/**
 * Yields the run's events. Ends with `run_finished` (status `succeeded`, or `stopped` when
 * `signal` aborted: committed chunks kept, resumable with the same runId). A failure is
 * thrown as a DsbotError (src/errors.ts) whose `kind` lets the queue's failure policy decide
 * whether to retry; bad input throws `InputError` with a message fit to show a person.
 */
export async function* runCleaning(input: CleaningRunInput, _deps: RunDeps, _signal?: AbortSignal): AsyncGenerator<RunEvent> {
  yield { type: 'run_finished', runId: input.runId, status: 'failed', message: 'The cleaning engine is not built yet.', artifacts: [], at: Date.now() };
}
