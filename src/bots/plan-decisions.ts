/**
 * Decisions on a run's plan (plan approval): Approve, Cancel or `change …`, by admins, recorded
 * atomically in the registry (one decision per plan), audited, and acted on by waking the parked
 * job so a worker continues, ends or redrafts the run.
 */
import type { Config } from '../config/schema.js';
import { isActiveState, type RunRegistry } from '../queue/run-registry.js';
import type { RunProducer } from '../queue/producer.js';
import { checkAction } from './admin-guard.js';
import type { AuditLog } from './audit.js';
import type { IncomingMessage, RouterContext } from './types.js';

export interface PlanDecisions {
  /**
   * Approve, cancel or change a run's pending plan (admins). Returns false when `quiet` and the
   * thread has no pending plan (a `change …` that was a chat question after all).
   */
  decide(m: IncomingMessage, ctx: RouterContext, explicit: string | undefined, decision: 'approved' | 'cancelled' | 'change', instruction?: string, quiet?: boolean): Promise<boolean>;
  /** Wakes a run parked at its plan, so a worker acts on the decision now (no-op when it is not parked yet: the worker re-checks). */
  wakeParked(runId: string): Promise<void>;
}

export function createPlanDecisions(deps: { config: Config; registry: RunRegistry; producer: RunProducer; audit: AuditLog }): PlanDecisions {
  const { registry, producer, audit } = deps;
  const policy = deps.config.admin;
  const base = (m: IncomingMessage) => ({ platform: m.platform, userId: m.user.id, channelRef: m.channelRef, threadRef: m.threadRef });

  async function wakeParked(runId: string) {
    if ((await registry.get(runId))?.state !== 'awaiting_approval') return;
    await registry.setState(runId, 'queued', 'A decision on the plan was made; the run continues.');
    await producer.wake(runId);
  }

  async function decide(m: IncomingMessage, ctx: RouterContext, explicit: string | undefined, decision: 'approved' | 'cancelled' | 'change', instruction?: string, quiet = false): Promise<boolean> {
    const runId = explicit ?? ((m.targetRef && (await registry.findByRef(m.targetRef))) || (await registry.findByRef(m.threadRef)));
    const rec = runId ? await registry.get(runId) : undefined;
    if (quiet && rec?.approval?.state !== 'pending') return false;
    if (!runId || !rec) return void (await ctx.reply({ text: runId ? `I don't know run \`${runId}\`.` : 'There is no run in this thread. Use `approve <run-id>`.', ephemeral: true })), true;
    const action = decision === 'approved' ? 'approve' : decision === 'cancelled' ? 'cancel' : 'change';
    const guard = checkAction(policy, { action, platform: m.platform, userId: m.user.id, roles: m.user.roles, channelRef: m.channelRef });
    if (!guard.allowed) {
      await audit.write({ ...base(m), action: 'refusal', runId, reason: `${action}:${guard.reason}`, text: m.text || `button:${action}` });
      return void (await ctx.reply({ text: guard.message, ephemeral: true })), true;
    }
    const by = m.user.name ?? m.user.id;
    if (rec.approval?.state !== 'pending' || !(await registry.decideApproval(runId, { state: decision, by, ...(instruction ? { instruction: instruction.slice(0, 2000) } : {}) }))) {
      const now = (await registry.get(runId)) ?? rec;
      const why = !isActiveState(now.state)
        ? `it already ${now.state}`
        : now.approval && now.approval.state !== 'pending'
          ? `its plan was already ${now.approval.state === 'change' ? 'sent back for a change' : now.approval.state}${now.approval.by ? ` by ${now.approval.by}` : ''}`
          : `it is ${now.state}, not waiting for approval`;
      return void (await ctx.reply({ text: `Run \`${runId}\`: ${why}; there is no plan to ${action}.`, ephemeral: true })), true;
    }
    if (decision === 'cancelled') await registry.setCancelRequested(runId, true);
    await wakeParked(runId);
    await audit.write({ ...base(m), action, runId, text: m.text || `button:${action}` });
    const text =
      decision === 'approved' ? `✅ Plan of \`${runId}\` approved by ${by}: cleaning every row now.`
      : decision === 'cancelled' ? `🛑 Plan of \`${runId}\` cancelled by ${by}; nothing was changed.`
      : `✏️ ${by} asked for a change; the agent adapts the plan: "${instruction!.slice(0, 300)}"`;
    await ctx.reply({ text });
    return true;
  }

  return { decide, wakeParked };
}
