/**
 * The code agent (smolagents-style CodeAgent): the model writes a thought and a Python cell,
 * the sandbox runs it, the observation goes back. The model's mistakes (no code, exceptions,
 * refused final answers) are observations; ours (provider outage, sandbox crash) throw.
 * Memory is a list of typed steps, so it can be condensed by the context refresher.
 */
import type { AgentConfig } from '../config/schema.js';
import { CancelledError } from '../errors.js';
import type { Sandbox } from '../sandbox/types.js';
import { parseCodeReply } from './code-parse.js';
import type { ContextRefresher, PromptPart } from './context/refresher.js';
import type { Phase, RunEvent } from './events.js';
import type { ModelProvider, TokenUsage } from './models/types.js';
import { codeAgentPrompts, fill, untrusted } from './prompt.js';

/** One step of the agent's memory. */
export type MemoryStep =
  | { kind: 'task'; text: string }
  | { kind: 'plan'; text: string }
  | { kind: 'action'; step: number; reply: string; observation: string };

/** The agent's memory across episodes of one run (draft, then any adaptation). */
export class AgentMemory {
  readonly steps: MemoryStep[] = [];
  constructor(readonly systemPrompt: string) {}

  /** The prompt parts: system, tasks and the latest plan pinned; actions condensable. */
  toParts(): PromptPart[] {
    const parts: PromptPart[] = [{ message: { role: 'system', content: this.systemPrompt }, pinned: true }];
    const lastPlan = this.steps.map((s, i) => (s.kind === 'plan' ? i : -1)).filter((i) => i >= 0).pop();
    this.steps.forEach((s, i) => {
      if (s.kind === 'task') parts.push({ message: { role: 'user', content: s.text }, pinned: true });
      else if (s.kind === 'plan' && i === lastPlan) parts.push({ message: { role: 'assistant', content: s.text }, pinned: true });
      else if (s.kind === 'action') {
        parts.push({ message: { role: 'assistant', content: s.reply }, pinned: false, step: s.step });
        parts.push({ message: { role: 'user', content: s.observation }, pinned: false, step: s.step });
      }
    });
    return parts;
  }
}

export interface CodeAgentOptions {
  model: ModelProvider;
  sandbox: Sandbox;
  refresher: ContextRefresher;
  agent: AgentConfig;
  contextBudget: number;
  phase: Phase;
  /** Numbering continues across episodes. */
  firstStep: number;
  signal?: AbortSignal;
  /** Decides whether a final answer is accepted (e.g. `clean_chunk` exists and passes its check). */
  acceptFinal(): Promise<{ ok: true } | { ok: false; reason: string }>;
}

export interface CodeAgentResult {
  /** True when a final answer was accepted. */
  done: boolean;
  finalAnswer?: unknown;
  /** Steps taken in this episode. */
  steps: number;
  modelCalls: number;
  usage: TokenUsage;
  costUsd: number;
  /** Sources of the cells that ran without error, in order. */
  cells: string[];
}

function observationOf(r: Awaited<ReturnType<Sandbox['exec']>>, maxChars: number): { text: string; isError: boolean } {
  const parts: string[] = [];
  if (r.stdout) parts.push(r.stdout.trimEnd());
  if (r.stderr) parts.push(`[stderr]\n${r.stderr.trimEnd()}`);
  if (r.error) parts.push(`[error] ${r.error.type}: ${r.error.message}\n${r.error.traceback}`.trimEnd());
  let note = '';
  if (r.killed) note = `\nThe kernel was killed (${r.killed}) and restarted: its variables are lost, re-create what you need.`;
  const body = parts.join('\n') || '(no output)';
  return { text: `Observation:\n${untrusted('observation', body, maxChars)}${note}`, isError: Boolean(r.error || r.killed) };
}

/** Runs one episode (a task already pushed into `memory`) until an accepted final answer or max steps. */
export async function* runCodeAgent(memory: AgentMemory, options: CodeAgentOptions): AsyncGenerator<RunEvent, CodeAgentResult> {
  const prompts = codeAgentPrompts();
  const { model, sandbox, agent, signal } = options;
  const result: CodeAgentResult = { done: false, steps: 0, modelCalls: 0, usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, cells: [] };
  const call = async (purpose: 'plan' | 'step', extra?: string) => {
    if (signal?.aborted) throw new CancelledError();
    const parts = memory.toParts();
    if (extra) parts.push({ message: { role: 'user', content: extra }, pinned: true });
    const messages = await options.refresher.fit(parts, { contextWindow: model.contextWindow, budget: options.contextBudget });
    const response = await model.complete({ messages, purpose, signal, stop: purpose === 'step' ? ['Observation:'] : undefined });
    result.modelCalls++;
    result.usage.inputTokens += response.usage.inputTokens;
    result.usage.outputTokens += response.usage.outputTokens;
    result.costUsd += response.costUsd ?? 0;
    return response;
  };

  for (let i = 0; i < agent.maxSteps; i++) {
    const stepNo = options.firstStep + i;
    if (i % agent.planningInterval === 0) {
      const plan = await call('plan', prompts.plan);
      memory.steps.push({ kind: 'plan', text: plan.text.trim() || '(no plan)' });
    }
    const started = Date.now();
    const response = await call('step');
    result.steps++;
    const { thought, code } = parseCodeReply(response.text);
    let observation: string;
    let isError = false;
    let finalAccepted = false;
    if (code === null) {
      observation = prompts.no_code;
      isError = true;
    } else {
      const r = await sandbox.exec(code, { signal });
      if (r.killed === 'aborted' || signal?.aborted) throw new CancelledError();
      const obs = observationOf(r, agent.maxObservationChars);
      observation = obs.text;
      isError = obs.isError;
      if (!r.error && !r.killed) result.cells.push(code);
      if (r.hasFinalAnswer && !r.error) {
        const verdict = await options.acceptFinal();
        if (verdict.ok) {
          finalAccepted = true;
          result.finalAnswer = r.finalAnswer;
        } else {
          observation += '\n' + fill(prompts.refused_final, { reason: verdict.reason });
          isError = true;
        }
      }
    }
    memory.steps.push({ kind: 'action', step: stepNo, reply: response.text, observation });
    yield {
      type: 'step',
      phase: options.phase,
      step: stepNo,
      thought,
      code: code ?? '',
      observation,
      isError,
      durationMs: Date.now() - started,
      usage: response.usage,
      costUsd: response.costUsd,
      at: Date.now(),
    };
    if (finalAccepted) {
      result.done = true;
      return result;
    }
  }
  return result;
}
