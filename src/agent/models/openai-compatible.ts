/**
 * OpenAI Chat Completions provider; with `model.baseUrl` it talks to any compatible server
 * (Ollama, vLLM, LM Studio, llama.cpp). The only file importing `openai`.
 * The SDK's own retries are off: retries and backoff are decided in ./retry.ts.
 */
import OpenAI from 'openai';
import type { ModelConfig } from '../../config/schema.js';
import { DsbotError } from '../../errors.js';
import type { ProviderOptions } from './anthropic.js';
import { withRetries, type RetryPolicy } from './retry.js';
import type { ChatMessage, ModelProvider, ModelRequest, ModelResponse, ToolCall } from './types.js';
import { costUsd } from './usage.js';

type Param = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** Maps our messages to Chat Completions messages (tool calls both ways). */
export function toOpenAIMessages(messages: ChatMessage[]): Param[] {
  return messages.map((m): Param => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content };
      case 'user':
        return { role: 'user', content: m.content };
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId ?? 'unknown', content: m.content };
      case 'assistant':
        return {
          role: 'assistant',
          content: m.content || null,
          ...(m.toolCalls?.length
            ? {
                tool_calls: m.toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function' as const,
                  function: { name: c.name, arguments: JSON.stringify(c.arguments) },
                })),
              }
            : {}),
        };
    }
  });
}

/** Parses a tool call's JSON arguments; unparseable text is kept under `_unparsed` (the model's mistake). */
export function parseToolArguments(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { _unparsed: raw };
  } catch {
    return { _unparsed: raw };
  }
}

/** Creates the OpenAI-compatible provider from `config.model`. */
export function createOpenAICompatibleModel(config: ModelConfig, options: ProviderOptions = {}): ModelProvider {
  if (!config.apiKey && !config.baseUrl) {
    throw new DsbotError(
      'config',
      'model.provider is openai-compatible but neither a key nor a base URL is set. Set OPENAI_API_KEY or model.baseUrl (e.g. http://127.0.0.1:11434/v1 for Ollama).',
    );
  }
  const client = new OpenAI({
    // Local servers (Ollama, vLLM) accept any key; the SDK insists on one.
    apiKey: config.apiKey ?? 'not-needed',
    baseURL: config.baseUrl,
    timeout: config.timeoutMs,
    maxRetries: 0,
  });
  const policy: RetryPolicy = { retries: config.retries, ...options.retry };

  async function complete(request: ModelRequest): Promise<ModelResponse> {
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
      model: config.model,
      messages: toOpenAIMessages(request.messages),
      // `max_tokens` (not `max_completion_tokens`): what compatible servers understand.
      max_tokens: request.maxTokens ?? config.maxOutputTokens,
      temperature: request.temperature ?? config.temperature,
      ...(request.stop?.length ? { stop: request.stop.slice(0, 4) } : {}),
      ...(request.tools?.length
        ? {
            tools: request.tools.map((t) => ({
              type: 'function' as const,
              function: { name: t.name, description: t.description, parameters: t.parameters },
            })),
          }
        : {}),
    };
    const res = await withRetries(
      `openai-compatible at ${config.baseUrl ?? 'https://api.openai.com/v1'}`,
      policy,
      async () => {
        const r = await client.chat.completions.create(body, { signal: request.signal });
        if (!r || !Array.isArray(r.choices)) throw new SyntaxError('answer has no choices array');
        return r;
      },
      undefined,
      request.signal,
    );
    const message = res.choices[0]?.message;
    const toolCalls: ToolCall[] = (message?.tool_calls ?? [])
      .filter((c) => c.type === 'function')
      .map((c) => ({ id: c.id, name: c.function.name, arguments: parseToolArguments(c.function.arguments) }));
    const usage = { inputTokens: res.usage?.prompt_tokens ?? 0, outputTokens: res.usage?.completion_tokens ?? 0 };
    return {
      text: message?.content ?? '',
      ...(toolCalls.length ? { toolCalls } : {}),
      usage,
      model: res.model || config.model,
      costUsd: costUsd(usage, config.price),
    };
  }

  return { name: 'openai-compatible', model: config.model, contextWindow: config.contextWindow, complete };
}
