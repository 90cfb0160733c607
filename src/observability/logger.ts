/**
 * Structured logs (pino): one JSON object per line on stderr, each carrying the run id and
 * trace id of the work it belongs to (from the async context, so callers pass nothing), readable
 * lines (pino-pretty) when stderr is a terminal. stdout stays for what a command prints (the
 * demo's chat, `dsbot clean`'s results).
 *
 * `logger` is usable at once (JSON, info); `configureLogger` sets level, format and service name
 * once a command has its config. Importers see the configured one (an ESM live binding).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { currentRunId, currentTraceIds } from './spans.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** pino level; `silent` logs nothing. */
  level?: string;
  /** `auto`: pretty when the destination is a terminal. */
  format?: 'auto' | 'json' | 'pretty';
  /** `service` field of every line (e.g. dsbot-worker). */
  service?: string;
  /** Where lines go. Default: stderr. */
  destination?: DestinationStream & { isTTY?: boolean };
}

/** Run id and trace/span ids of the active context, added to every line. */
function contextFields(): Record<string, string> {
  const out: Record<string, string> = {};
  const runId = currentRunId();
  if (runId) out.runId = runId;
  const ids = currentTraceIds();
  if (ids) {
    out.trace_id = ids.traceId;
    out.span_id = ids.spanId;
  }
  return out;
}

/** A logger writing JSON lines, or readable lines (`[run-…] message`) for a terminal. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const isTTY = Boolean((destination as { isTTY?: boolean }).isTTY);
  const usePretty = options.format === 'pretty' || (options.format !== 'json' && isTTY);
  const base = options.service ? { service: options.service } : {};
  const opts = { level: options.level ?? 'info', base, mixin: contextFields, timestamp: pino.stdTimeFunctions.isoTime };
  if (!usePretty) return pino(opts, options.destination ?? pino.destination({ fd: 2, sync: true }));
  const stream = pretty({
    destination: options.destination ?? 2,
    sync: true,
    colorize: isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,runId,trace_id,span_id',
    messageFormat: '{if runId}[{runId}] {end}{msg}',
  });
  return pino(opts, stream);
}

/** The process's logger. */
export let logger: Logger = createLogger();

/** Replaces the process's logger (once a command has its config). */
export function configureLogger(options: LoggerOptions): Logger {
  logger = createLogger(options);
  return logger;
}

/** A `(line) => void` for collaborators that take a log function (worker, router). */
export function logLines(level: 'info' | 'warn' | 'error' = 'warn'): (line: string) => void {
  return (line) => logger[level](line);
}
