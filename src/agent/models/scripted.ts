/**
 * Scripted ModelProvider (tests): replies from a list, or from a function of the request.
 * Records every request so tests can inspect the prompts the agent sent.
 */
import type { ModelProvider, ModelRequest, ModelResponse } from './types.js';

export type ScriptedReply = string | ((request: ModelRequest, callIndex: number) => string | Promise<string>);

export interface ScriptedModel extends ModelProvider {
  /** Every request received, in order. */
  readonly requests: ModelRequest[];
}

/**
 * `replies` is consumed in order (plan and step calls alike); a function is called for every
 * request. When a list runs out, the last reply repeats.
 */
export function createScriptedModel(replies: ScriptedReply[] | ((request: ModelRequest, callIndex: number) => string | Promise<string>)): ScriptedModel {
  const requests: ModelRequest[] = [];
  return {
    name: 'scripted',
    model: 'scripted',
    contextWindow: 200_000,
    requests,
    async complete(request): Promise<ModelResponse> {
      const i = requests.length;
      requests.push(structuredClone({ ...request, signal: undefined }));
      const r = typeof replies === 'function' ? replies : replies[Math.min(i, replies.length - 1)];
      const text = typeof r === 'function' ? await r(request, i) : r;
      const inputChars = request.messages.reduce((n, m) => n + m.content.length, 0);
      return { text, usage: { inputTokens: Math.ceil(inputChars / 4), outputTokens: Math.ceil(text.length / 4) }, model: 'scripted' };
    },
  };
}
