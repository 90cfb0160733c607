/**
 * One trace per chat answer: a root span `dsbot.chat` (a new trace, whatever is active), with
 * the model calls (agent/models/traced.ts), tool calls (`execute_tool <name>`, GenAI conventions) and
 * sandbox cells of that answer under it. Feeds the chat metrics (answers by outcome, latency).
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ChatAgent } from './types.js';
import type { ToolCall } from '../models/types.js';
import { metrics } from '../../observability/metrics.js';
import { recordError, tracer } from '../../observability/spans.js';

/** How an answer ended: refused = the asker's mistake (unknown dataset…), shown as is. */
function outcomeOf(err: unknown): 'refused' | 'cancelled' | 'error' {
  const kind = (err as { kind?: string } | undefined)?.kind;
  return kind === 'input' ? 'refused' : kind === 'cancelled' ? 'cancelled' : 'error';
}

/** Wraps a chat agent: each `answer` is traced and counted. */
export function tracedChat(agent: ChatAgent): ChatAgent {
  return {
    answer(question, signal) {
      const attributes = { 'dsbot.chat.thread': question.threadRef, 'dsbot.chat.question_chars': question.text.length };
      return tracer().startActiveSpan('dsbot.chat', { root: true, kind: SpanKind.SERVER, attributes }, async (span) => {
        const started = performance.now();
        let outcome = 'answered';
        try {
          const a = await agent.answer(question, signal);
          span.setAttributes({ 'dsbot.chat.datasets': a.datasets, 'dsbot.chat.columns': a.columns, 'dsbot.chat.outcome': outcome });
          span.setStatus({ code: SpanStatusCode.OK });
          return a;
        } catch (err) {
          outcome = outcomeOf(err);
          span.setAttribute('dsbot.chat.outcome', outcome);
          if (outcome === 'error') recordError(span, err);
          throw err;
        } finally {
          metrics.chatAnswers.inc({ outcome });
          metrics.chatDuration.observe((performance.now() - started) / 1000);
          span.end();
        }
      });
    },
    close: agent.close ? () => agent.close!() : undefined,
  };
}

/** Wraps the chat tools' executor: one `execute_tool <name>` span per call. */
export function tracedTools<T extends { execute(call: ToolCall, ...rest: any[]): Promise<unknown> }>(tools: T): T {
  const execute = tools.execute.bind(tools);
  return {
    ...tools,
    execute: (call: ToolCall, ...rest: any[]) =>
      tracer().startActiveSpan(
        `execute_tool ${call.name}`,
        { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': call.name, 'gen_ai.tool.call.id': call.id } },
        async (span) => {
          try {
            return await execute(call, ...rest);
          } catch (err) {
            recordError(span, err);
            throw err;
          } finally {
            span.end();
          }
        },
      ),
  };
}
