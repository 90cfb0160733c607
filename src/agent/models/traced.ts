/**
 * A ModelProvider decorator: each call becomes a span following OpenTelemetry's GenAI semantic
 * conventions (`chat <model>`, gen_ai.* request/usage attributes) and feeds the model metrics
 * (calls, latency, tokens, cost). Prompts and completions are not recorded: they hold the
 * team's data.
 */
import { SpanKind } from '@opentelemetry/api';
import type { ModelProvider, ModelRequest, ModelResponse } from './types.js';
import { metrics } from '../../observability/metrics.js';
import { recordError, tracer } from '../../observability/spans.js';

/** gen_ai.provider.name of each provider (well-known values where the conventions have one). */
const PROVIDER_NAMES: Record<string, string> = { anthropic: 'anthropic', 'openai-compatible': 'openai' };

/** Wraps `model`; name, model id and context window are unchanged. */
export function tracedModel(model: ModelProvider): ModelProvider {
  const provider = PROVIDER_NAMES[model.name] ?? `dsbot.${model.name}`;
  return {
    get name() {
      return model.name;
    },
    get model() {
      return model.model;
    },
    get contextWindow() {
      return model.contextWindow;
    },
    async complete(request: ModelRequest): Promise<ModelResponse> {
      const labels = { provider: model.name, model: model.model };
      const attributes = {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': provider,
        'gen_ai.system': provider,
        'gen_ai.request.model': model.model,
        ...(request.maxTokens !== undefined ? { 'gen_ai.request.max_tokens': request.maxTokens } : {}),
        ...(request.temperature !== undefined ? { 'gen_ai.request.temperature': request.temperature } : {}),
        ...(request.purpose ? { 'dsbot.model.purpose': request.purpose } : {}),
        'dsbot.model.messages': request.messages.length,
        ...(request.tools?.length ? { 'dsbot.model.tools_offered': request.tools.length } : {}),
      };
      return tracer().startActiveSpan(`chat ${model.model}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        const started = performance.now();
        try {
          const res = await model.complete(request);
          span.setAttributes({
            'gen_ai.response.model': res.model,
            'gen_ai.usage.input_tokens': res.usage.inputTokens,
            'gen_ai.usage.output_tokens': res.usage.outputTokens,
            ...(res.costUsd !== undefined ? { 'dsbot.model.cost_usd': res.costUsd } : {}),
            ...(res.toolCalls?.length ? { 'dsbot.model.tool_calls': res.toolCalls.map((c) => c.name) } : {}),
          });
          metrics.modelCalls.inc({ ...labels, outcome: 'ok' });
          metrics.modelTokens.inc({ ...labels, type: 'input' }, res.usage.inputTokens);
          metrics.modelTokens.inc({ ...labels, type: 'output' }, res.usage.outputTokens);
          if (res.costUsd) metrics.modelCost.inc(labels, res.costUsd);
          return res;
        } catch (err) {
          recordError(span, err);
          metrics.modelCalls.inc({ ...labels, outcome: 'error' });
          throw err;
        } finally {
          metrics.modelDuration.observe(labels, (performance.now() - started) / 1000);
          span.end();
        }
      });
    },
  };
}
