/**
 * Plan approval in the queue: which stage a run attempt is at, from the request, the config and
 * the registry. A run that needs approval drafts, posts its plan and is parked (its job moved to
 * delayed until the deadline: no worker slot held, no process sleeping). A decision (approve,
 * cancel, change) wakes the job early; the deadline passing wakes it as timed out.
 */
import type { CleaningRunInput } from '../agent/types.js';
import type { Config } from '../config/schema.js';
import type { RunRequest } from './run-request.js';
import type { RunRecord } from './run-registry.js';

/** What one attempt of a run does. */
export type AttemptPlan =
  /** Run the engine (with the approval stage, when the run needs approval). */
  | { kind: 'run'; approval?: CleaningRunInput['approval'] }
  /** End without running: cancelled at the plan, or the plan timed out. */
  | { kind: 'end'; message: string }
  /** Still waiting for a decision (woken early by something else): park again until `until`. */
  | { kind: 'wait'; until: number };

/** True when the run must stop at its plan for approval (`approve=yes` on the trigger, else `approval.required`). */
export function needsApproval(config: Config, request: RunRequest): boolean {
  return request.options.approve ?? config.approval.required;
}

function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** Decides what this attempt of the run does. */
export function planAttempt(config: Config, request: RunRequest, record: RunRecord | undefined, now: number): AttemptPlan {
  const approval = record?.approval;
  if (!approval) return needsApproval(config, request) ? { kind: 'run', approval: { stage: 'plan' } } : { kind: 'run' };
  switch (approval.state) {
    case 'approved':
      return { kind: 'run', approval: { stage: 'approved' } };
    case 'change':
      return { kind: 'run', approval: { stage: 'change', instruction: approval.instruction ?? '' } };
    case 'cancelled':
      return { kind: 'end', message: `Cancelled at the plan${approval.by ? ` by ${approval.by}` : ''}; nothing was changed.` };
    case 'pending':
      if (approval.deadline !== undefined && now < approval.deadline) return { kind: 'wait', until: approval.deadline };
      return {
        kind: 'end',
        message: `The plan was not approved within ${duration(config.approval.timeoutMs)} (approval.timeoutMs), so the run ended; nothing was changed. \`resume ${request.runId}\` drafts a new plan.`,
      };
  }
}
