/** One cleaning run from the shell: events printed as they come, Ctrl-C stops it (committed chunks kept), traced as one run. */
import path from 'node:path';
import type { RunEvent } from '../agent/events.js';
import { createModel } from '../agent/models/index.js';
import { runCleaning } from '../agent/run.js';
import type { RunDeps } from '../agent/types.js';
import type { Config } from '../config/schema.js';
import { DsbotError } from '../errors.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import { createSandbox } from '../sandbox/index.js';
import { renderEvent } from './render-terminal.js';
import { traceRun, traceRunEvents } from '../queue/run-trace.js';
import { currentTraceId } from '../observability/spans.js';

/** Runs one cleaning with SIGINT wired to a stop; prints events; returns the final event. */
export async function cleanFile(
  file: string,
  config: Config,
  opts: { outDir: string; runId: string; dictionary?: string; datasetName?: string; examples?: string; options?: Partial<Config['agent']>; knowledge: KnowledgeStore; print?: (line: string) => void; verbose?: boolean },
): Promise<Extract<RunEvent, { type: 'run_finished' }>> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const deps: RunDeps = { config, model: createModel(config.model), knowledge: opts.knowledge, createSandbox: () => createSandbox(config.sandbox) };
  const controller = new AbortController();
  const onSigint = () => {
    print('\n⏹ stopping (committed chunks are kept; run again with the same --run-id to resume)…');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    let last: Extract<RunEvent, { type: 'run_finished' }> | undefined;
    return await traceRun(opts.runId, async () => {
      const input = { runId: opts.runId, inputPath: path.resolve(file), datasetName: opts.datasetName, dictionaryPath: opts.dictionary ? path.resolve(opts.dictionary) : undefined, examplesPath: opts.examples ? path.resolve(opts.examples) : undefined, outDir: opts.outDir, options: opts.options, traceId: currentTraceId() };
      for await (const e of traceRunEvents(runCleaning(input, deps, controller.signal))) {
        for (const line of renderEvent(e, opts.verbose)) print(line);
        if (e.type === 'run_finished') last = e;
      }
      if (!last) throw new DsbotError('internal', 'The run ended without a result.');
      return last;
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

