/**
 * Anthropic Messages API provider. The only file importing `@anthropic-ai/sdk`.
 * The SDK's own retries are off: retries and backoff are decided in ./retry.ts.
 * `temperature` is not sent: the current Messages API (SDK 1.13) no longer takes it.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ModelConfig } from '../../config/schema.js';
import { DsbotError } from '../../errors.js';
import { withRetries, type RetryPolicy } from './retry.js';
import type { ChatMessage, ModelProvider, ModelRequest, ModelResponse, ToolCall } from './types.js';
import { costUsd } from './usage.js';

/** Extra knobs, mostly for tests. */
export interface ProviderOptions {
  /** Overrides of the retry policy (e.g. a short base delay in tests). */
  retry?: Partial<RetryPolicy>;
}

type Block = Anthropic.Messages.ContentBlockParam;
type Param = Anthropic.Messages.MessageParam;

/** Maps our messages to Anthropic's: system prompt apart, tool results as user blocks, roles merged. */
export function toAnthropicMessages(messages: ChatMessage[]): { system: string; messages: Param[] } {
  const system: string[] = [];
  const out: Param[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) (last.content as Block[]).push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'system') {
      system.push(m.content);
    } else if (m.role === 'tool') {
      push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId ?? 'unknown', content: m.content }]);
    } else if (m.role === 'assistant') {
      const blocks: Block[] = m.content ? [{ type: 'text', text: m.content }] : [];
      for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments });
      push('assistant', blocks);
    } else {
      push('user', [{ type: 'text', text: m.content }]);
    }
  }
  return { system: system.join('\n\n'), messages: out };
}

/** Creates the Anthropic provider from `config.model`. */
export function createAnthropicModel(config: ModelConfig, options: ProviderOptions = {}): ModelProvider {
  if (!config.apiKey && !config.baseUrl) {
    throw new DsbotError('config', 'model.provider is anthropic but no key is set. Set ANTHROPIC_API_KEY, or set model.provider: builtin.');
  }
  const client = new Anthropic({
    apiKey: config.apiKey ?? 'unused',
    baseURL: config.baseUrl,
    timeout: config.timeoutMs,
    maxRetries: 0,
  });
  const policy: RetryPolicy = { retries: config.retries, ...options.retry };

  async function complete(request: ModelRequest): Promise<ModelResponse> {
    const { system, messages } = toAnthropicMessages(request.messages);
    const body: Anthropic.Messages.MessageCreateParamsNonStreaming = {
      model: config.model,
      max_tokens: request.maxTokens ?? config.maxOutputTokens,
      messages,
      ...(system ? { system } : {}),
      ...(request.stop?.length ? { stop_sequences: request.stop } : {}),
      ...(request.tools?.length
        ? {
            tools: request.tools.map((t) => ({
              name: t.name,
              description: t.description,
              input_schema: { type: 'object' as const, ...t.parameters },
            })),
          }
        : {}),
    };
    const res = await withRetries(
      `anthropic at ${config.baseUrl ?? 'https://api.anthropic.com'}`,
      policy,
      async () => {
        const r = await client.messages.create(body, { signal: request.signal });
        if (!r || !Array.isArray(r.content)) throw new SyntaxError('answer has no content array');
        return r;
      },
      undefined,
      request.signal,
    );
    const text = res.content
      .filter((b): b is Anthropic.Messages.TextBlock => b.type === 'text')
      .map((b) => b.text)
      .join('');
    const toolCalls: ToolCall[] = res.content
      .filter((b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use')
      .map((b) => ({ id: b.id, name: b.name, arguments: (b.input ?? {}) as Record<string, unknown> }));
    const usage = { inputTokens: res.usage?.input_tokens ?? 0, outputTokens: res.usage?.output_tokens ?? 0 };
    return {
      text,
      ...(toolCalls.length ? { toolCalls } : {}),
      usage,
      model: res.model ?? config.model,
      costUsd: costUsd(usage, config.price),
    };
  }

  return { name: 'anthropic', model: config.model, contextWindow: config.contextWindow, complete };
}
