/**
 * OpenTelemetry tracing for a dsbot process. Spans are always recorded (so log lines and run
 * reports carry a trace id), and exported over OTLP/HTTP (JSON) only when an endpoint is
 * configured (`OTEL_EXPORTER_OTLP_ENDPOINT`): Jaeger, Tempo, Honeycomb, Langfuse and any
 * OpenTelemetry Collector accept it. With no endpoint nothing leaves the process.
 *
 * Only this file imports the OpenTelemetry SDK (loaded by the commands that trace); spans are
 * made with @opentelemetry/api (spans.ts).
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** `service.name` of every span. */
  serviceName: string;
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. Unset: nothing is exported. */
  otlpEndpoint?: string;
  /** `key=value,key2=value2` headers of the export requests (an API key…). */
  otlpHeaders?: string;
  /** Longest wait between exports. Default 2000 ms. */
  exportDelayMs?: number;
}

export interface TracingHandle {
  /** True when spans are exported. */
  readonly exporting: boolean;
  /** Sends the spans that ended so far. */
  flush(): Promise<void>;
  /** Flushes, then unregisters the provider (the API goes back to no-op spans). Idempotent. */
  shutdown(): Promise<void>;
}

/** Parses `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values URL-encoded as the spec allows). */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

let active: TracingHandle | undefined;

/** Registers the process-wide tracer provider and async context manager. Once per process (a second call returns the first handle). */
export function initTracing(options: TracingOptions): TracingHandle {
  if (active) return active;
  const processors: SpanProcessor[] = [];
  if (options.otlpEndpoint) {
    const exporter = new OTLPTraceExporter({
      url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`,
      headers: parseOtlpHeaders(options.otlpHeaders),
    });
    processors.push(new BatchSpanProcessor(exporter, { scheduledDelayMillis: options.exportDelayMs ?? 2_000 }));
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: processors,
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  let down: Promise<void> | undefined;
  const handle: TracingHandle = {
    exporting: processors.length > 0,
    flush: () => provider.forceFlush(),
    shutdown() {
      down ??= (async () => {
        await provider.shutdown().catch(() => undefined);
        trace.disable();
        context.disable();
        active = undefined;
      })();
      return down;
    },
  };
  active = handle;
  return handle;
}
