/** The ModelProvider seam: messages in, text (and tool calls) and token usage out. */

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  /** Provider's id of the call (echoed back in the tool message). */
  id: string;
  name: string;
  /** Parsed JSON arguments. */
  arguments: Record<string, unknown>;
}

export interface ChatMessage {
  role: Role;
  content: string;
  /** Tool calls the assistant asked for (role `assistant`). */
  toolCalls?: ToolCall[];
  /** Which call this message answers (role `tool`). */
  toolCallId?: string;
}

/** A JSON tool offered to a tool-calling model (chat mode). */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelRequest {
  messages: ChatMessage[];
  /** JSON tools (chat mode). Code-agent steps pass none. */
  tools?: ToolSpec[];
  /** Stop sequences, where the API supports them. */
  stop?: string[];
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** What the call is for; the builtin model uses it to pick its policy. */
  purpose?: 'plan' | 'step' | 'summary' | 'chat';
}

export interface ModelResponse {
  text: string;
  toolCalls?: ToolCall[];
  usage: TokenUsage;
  /** Model id that answered. */
  model: string;
  /** Cost in USD when a price table is configured. */
  costUsd?: number;
}

export interface ModelProvider {
  /** `builtin`, `scripted`, `anthropic`, `openai-compatible`. */
  readonly name: string;
  /** Model id. */
  readonly model: string;
  /** Context window in tokens (used by the context refresher). */
  readonly contextWindow: number;
  /** One completion. Provider outages throw `ProviderError` (ours to handle), never return junk. */
  complete(request: ModelRequest): Promise<ModelResponse>;
}
