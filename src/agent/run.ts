/**
 * A cleaning run (DESIGN.md decisions 1, 2, 4, 5, 7, 8): consult memory → profile →
 * explore & draft a recipe (code agent) → replay it chunk by chunk without model calls
 * (validate, commit) → reflect. An async generator of typed events; the caller renders them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError, SandboxError, toDsbotError } from '../errors.js';
import { AgentMemory, runCodeAgent, type CodeAgentResult } from './code-agent.js';
import { CommitLog, StaleAttemptError } from './commit-log.js';
import { createContextRefresher } from './context/refresher.js';
import type { Phase, RunEvent, RunPlan, ValidationCheck } from './events.js';
import { checkDictionaryFile, checkInputFile } from './input-check.js';
import { CellFailedError, kernelJson } from './kernel-calls.js';
import { collectArtifacts, isCustomRecipe, mirrorParts, pinRunIdentity, recipeJson, recipeSource, restoreParts } from './run-files.js';
import { columnsResult, finalizeResult, profileResult, replayResult, verdictResult } from './kernel-results.js';
import { guardSandbox } from './work-files.js';
import { consultMemory, createKnowledgeTools, rememberRecipe, schemaFingerprint, type Remembered } from './run-memory.js';
import { compareWithEarlier, examplesInputs, examplesSummary, hasEarlierChanges, hasEarlierState, keepState, learnedNotes, profileCode } from './run-examples.js';
import { forMemory, validateRecipe } from './recipe-data.js';
import type { TokenUsage } from './models/types.js';
import { codeAgentPrompts, fill, untrusted } from './prompt.js';
import type { CleaningRunInput, RunDeps } from './types.js';

const TOOLKIT_DIR = fileURLToPath(new URL('./toolkit/dsbot_toolkit', import.meta.url));
const GLUE = readFileSync(fileURLToPath(new URL('./run-glue.py', import.meta.url)), 'utf8');

interface Verdict {
  ok: boolean;
  checks: ValidationCheck[];
}

interface ReplayResult extends Verdict {
  index: number;
  rows_in: number;
  rows_out: number;
  rows_removed: number;
  hash: string;
}

interface FinalizeResult {
  artifacts: unknown[];
  rows_in: number;
  rows_out: number;
  rows_removed: number;
  cells_changed: number;
  before_after_table: string;
  headline: string;
}

function failedChecks(v: Verdict): string {
  return v.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ') || 'validation failed';
}

/** Mutable tallies of one run. */
class RunStats {
  modelCalls = 0;
  usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  costUsd = 0;
  steps: { step: number; phase: Phase; isError: boolean; durationMs: number; inputTokens: number; outputTokens: number; costUsd?: number }[] = [];
  durations: Partial<Record<Phase, number>> = {};
  add(r: CodeAgentResult): void {
    this.modelCalls += r.modelCalls;
    this.usage.inputTokens += r.usage.inputTokens;
    this.usage.outputTokens += r.usage.outputTokens;
    this.costUsd += r.costUsd;
  }
}

/**
 * Yields the run's events. Ends with `run_finished` (status `succeeded`, or `stopped` when
 * `signal` aborted: committed chunks kept, resumable with the same runId). A failure is
 * thrown as a DsbotError (src/errors.ts) whose `kind` lets the queue's failure policy decide
 * whether to retry; bad input throws `InputError` with a message fit to show a person.
 */
export async function* runCleaning(input: CleaningRunInput, deps: RunDeps, signal?: AbortSignal): AsyncGenerator<RunEvent> {
  const started = Date.now();
  const { config, model, knowledge } = deps;
  const agent = { ...config.agent, ...(input.options ?? {}) };
  checkInputFile(input.inputPath);
  if (input.dictionaryPath) checkDictionaryFile(input.dictionaryPath);
  const workDir = path.join(input.outDir, 'work');
  mkdirSync(workDir, { recursive: true });
  const log = new CommitLog(input.outDir, input.fence);
  await log.begin(); // from here on, an earlier attempt of this run can no longer commit
  const resumed = log.indices().length > 0;
  const pinnedRows = pinRunIdentity(input.outDir, input.runId, input.inputPath, agent.chunkRows, resumed);
  const resizeNote = pinnedRows !== agent.chunkRows ? `Resuming with the chunk size this run started with (${pinnedRows} rows), not ${agent.chunkRows}.` : undefined;
  agent.chunkRows = pinnedRows;
  const now = () => Date.now();
  yield { type: 'run_started', runId: input.runId, input: input.inputPath, dataset: input.datasetName, resumed, at: now() };
  if (resizeNote) yield { type: 'log', level: 'info', message: resizeNote, at: now() };

  const stats = new RunStats();
  const pending: RunEvent[] = [];
  let fingerprint = '';
  const hostTools = createKnowledgeTools(knowledge, {
    runId: input.runId,
    dataset: input.datasetName ?? path.basename(input.inputPath),
    fingerprint: () => fingerprint,
    onInsight: (text) => pending.push({ type: 'insight', text, at: now() }),
  });

  // Every host read of the work dir goes through the guard: no links, regular files, size caps.
  const maxFileBytes = agent.maxArtifactMb * 2 ** 20;
  const sandbox = guardSandbox(deps.createSandbox(), workDir, maxFileBytes);
  // Inside the sandbox the file keeps its own (sanitised) name, so reports name it.
  const csvName = path.basename(input.inputPath).replace(/[^\w.-]/g, '_').replace(/^\.+/, '') || 'input.csv';
  const dictName = csvName === 'data-dictionary.txt' ? 'dictionary-of-data.txt' : 'data-dictionary.txt';
  const phaseStart = new Map<Phase, number>();
  const phase = (p: Phase, status: 'started' | 'done', detail?: string): RunEvent => {
    if (status === 'started') phaseStart.set(p, now());
    else stats.durations[p] = now() - (phaseStart.get(p) ?? now());
    return { type: 'phase', phase: p, status, detail, at: now() };
  };
  const hostTimeout = config.sandbox.cellTimeoutMs * 10;

  try {
    await untilAborted(signal, () => sandbox.close(), sandbox.start({
      workDir,
      inputs: [{ hostPath: path.resolve(input.inputPath), name: csvName }, ...(input.dictionaryPath ? [{ hostPath: path.resolve(input.dictionaryPath), name: dictName }] : []), ...examplesInputs(input)],
      pythonPackages: [{ hostDir: TOOLKIT_DIR, name: 'dsbot_toolkit' }],
      hostTools,
      setupCode: (paths) => [
        'from dsbot_toolkit import *',
        GLUE,
        'try:',
        `    init_session(${JSON.stringify(`${paths.data}/${csvName}`)}, work_dir='.', chunk_rows=${agent.chunkRows}, sample_rows=${agent.sampleRows}, dictionary_path=${input.dictionaryPath ? JSON.stringify(`${paths.data}/${dictName}`) : 'None'}, outliers=${JSON.stringify(agent.outliers)}, processes=${agent.processes})`,
        '    _DSBOT_INIT_ERROR = None',
        'except Exception as _e:',
        '    _DSBOT_INIT_ERROR = _e',
      ].join('\n'),
    }));
    const raiseInit = 'if _DSBOT_INIT_ERROR is not None: raise _DSBOT_INIT_ERROR';

    // 1. Consult memory.
    yield phase('memory', 'started');
    const columns = await kernelJson<string[]>(sandbox, 'reading the file', raiseInit, '[str(c) for c in load_sample().columns]', { signal, valueErrorIsInput: true, schema: columnsResult });
    fingerprint = schemaFingerprint(columns);
    const remembered: Remembered = await consultMemory(deps, fingerprint).catch((err) => {
      pending.push({ type: 'log', level: 'warn', message: `Knowledge store unavailable, continuing without memory: ${(err as Error).message}`, at: now() });
      return { insights: [] };
    });
    if (remembered.refused) pending.push({ type: 'log', level: 'warn', message: `The recipe remembered for this schema is not offered: ${remembered.refused}.`, at: now() });
    if (remembered.recipe && (input.examplesPath || input.followUp)) {
      remembered.recipe = undefined; // corrections given: the recipe is drafted again and learns from them
      pending.push({ type: 'log', level: 'info', message: 'Corrected rows were given: the recipe remembered for this schema is not reused; a new one learns from them.', at: now() });
    }
    yield* drain(pending);
    yield phase('memory', 'done', `${remembered.insights.length} insight(s)${remembered.recipe ? ', a recipe for this schema' : ''} found`);

    // 2. Profile the whole file (streaming, in the kernel).
    yield phase('profile', 'started');
    const prof = await kernelJson<{ rows: number; chunks: number; summary: string; duplicate_rows?: number; examples?: { rows: number; cells: number } | null }>(
      sandbox,
      hasEarlierState(input) ? `reusing the profile of run ${input.followUp?.runId}` : 'profiling',
      `${raiseInit}\n${profileCode(input, sandbox.paths.data)}`,
      '{"rows": _P["rows"], "chunks": _P["chunks"], "duplicate_rows": _P.get("duplicate_rows"), "summary": profile_summary(), "examples": globals().get("_EX")}',
      { signal, timeoutMs: hostTimeout, valueErrorIsInput: true, schema: profileResult.extend({ examples: examplesSummary.nullish() }) },
    );
    const totalChunks = Math.max(prof.chunks, 1);
    if (input.keepState) await keepState(sandbox, input.outDir, { signal, timeoutMs: hostTimeout });
    const corrected = prof.examples ? `; ${prof.examples.rows} corrected row(s) checked` : '';
    yield phase('profile', 'done', `${prof.rows} rows × ${columns.length} columns, ${totalChunks} chunk(s)${hasEarlierState(input) ? ` (profile of run ${input.followUp?.runId} reused)` : ''}${corrected}`);

    // 3. Explore and draft the recipe (or reuse this run's recipe when resuming).
    yield phase('draft', 'started');
    const prompts = codeAgentPrompts();
    const memory = new AgentMemory(prompts.system);
    const refresher = createContextRefresher();
    const checkSample = () => kernelJson<Verdict>(sandbox, 'checking the recipe', '_V = check_clean_chunk()', 'dict(_V)', { signal, timeoutMs: hostTimeout, schema: verdictResult });
    const acceptFinal = async () => {
      const v = await checkSample();
      return v.ok ? ({ ok: true } as const) : ({ ok: false, reason: `check_clean_chunk() failed — ${failedChecks(v)}` } as const);
    };
    const agentOptions = { model, sandbox, refresher, agent, contextBudget: config.model.contextBudget, signal, acceptFinal };
    const recipeFile = path.join(input.outDir, 'recipe.py');
    const stage = input.approval?.stage;
    let recipeReady = false;
    if ((resumed || stage === 'approved' || stage === 'change') && existsSync(recipeFile)) {
      const r = await sandbox.exec(readFileSync(recipeFile, 'utf8'), { signal, timeoutMs: hostTimeout });
      if (r.killed === 'aborted') throw new CancelledError();
      let problem = r.error?.message ?? r.killed;
      if (!problem) {
        const v = await checkSample();
        if (!v.ok) problem = `it fails its check on the sample: ${failedChecks(v)}`;
      }
      recipeReady = !problem;
      const reused = stage === 'approved' ? 'Continuing with the approved recipe.' : stage === 'change' ? 'Adapting the drafted recipe as asked.' : `Resuming with the recipe saved by an earlier attempt (${log.indices().length} of ${totalChunks} chunk(s) committed).`;
      yield { type: 'log', level: recipeReady ? 'info' : 'warn', message: recipeReady ? reused : `The saved recipe cannot be reused (${problem}); drafting again.`, at: now() };
    }
    let cells: string[] = recipeReady ? [readFileSync(recipeFile, 'utf8')] : [];
    let usedFallback = false;
    if (!recipeReady || stage === 'change') {
      const memoryText = [
        remembered.recipe ? fill(prompts.memory_recipe, { fingerprint, recipe: untrusted('remembered-recipe', `[\n${remembered.recipe.map((st) => JSON.stringify(st)).join(',\n')}\n]`, 30_000) }) : '',
        remembered.insights.length ? fill(prompts.memory_insights, { insights: untrusted('insights', remembered.insights.map((t) => `- ${t}`).join('\n'), 3000) }) : '',
        prof.examples ? `A person corrected ${prof.examples.rows} row(s) of this file (${prof.examples.cells} cells): suggest_recipe(profile()) learns from them (its \`learned\` and \`corrections\` steps); keep those steps.` : '',
      ].filter(Boolean).join('\n');
      memory.steps.push({
        kind: 'task',
        text: fill(prompts.task, {
          fileName: path.basename(input.inputPath),
          rows: prof.rows,
          columnCount: columns.length,
          chunks: totalChunks,
          chunkRows: agent.chunkRows,
          outliers: agent.outliers,
          memory: memoryText,
          profile: untrusted('profile', prof.summary, agent.maxObservationChars),
        }),
      });
      // A person's instruction (an admin's reply to the plan): trusted, so not quoted as data.
      if (input.approval?.stage === 'change') {
        memory.steps.push({ kind: 'task', text: fill(prompts.change, { instruction: input.approval.instruction.slice(0, 2000), recipe: recipeReady ? cells[0].slice(0, 6000) : '(it could not be loaded: draft a new one)' }) });
        if (model.name === 'builtin') pending.push({ type: 'log', level: 'warn', message: 'The builtin model does not follow written instructions: it drafts the same plan again. Configure an LLM (README, Models) to adapt plans to requests.', at: now() });
      }
      const episode = yield* tapSteps(runCodeAgent(memory, { ...agentOptions, phase: 'draft', firstStep: 1 }), stats);
      stats.add(episode);
      cells = stage === 'change' && recipeReady ? [...cells, ...episode.cells] : episode.cells;
      yield* drain(pending);
      if (!episode.done) {
        yield { type: 'log', level: 'warn', message: `The agent did not finish a checked recipe in ${agent.maxSteps} steps; using the toolkit's suggested recipe.`, at: now() };
        const fallback = 'RECIPE = suggest_recipe(profile())\nclean_chunk = make_clean_chunk(RECIPE)';
        await kernelJson(sandbox, 'building the suggested recipe', fallback, 'None', { signal, timeoutMs: hostTimeout });
        cells = [fallback];
        usedFallback = true;
      }
      writeFileSync(recipeFile, await recipeSource(sandbox, cells, signal, hostTimeout));
    }
    const learned = prof.examples ? await learnedNotes(sandbox, input.outDir, { signal, timeoutMs: hostTimeout }) : [];
    if (learned.length) yield { type: 'log', level: 'info', message: `Learned from ${prof.examples?.rows} corrected row(s): ${learned.join('; ')}.`, at: now() };
    const sampleVerdict = await checkSample();
    yield { type: 'validation', phase: 'draft', scope: 'sample', ok: sampleVerdict.ok, checks: sampleVerdict.checks, at: now() };
    yield phase('draft', 'done', `recipe checked on the sample: ${sampleVerdict.ok ? 'passed' : 'failed — ' + failedChecks(sampleVerdict)}`);

    // Plan approval: stop at this phase boundary; the recipe waits in the run directory.
    if (stage === 'plan' || stage === 'change') {
      const plan = await kernelJson<RunPlan>(sandbox, 'summarising the plan', '', `plan_summary(${prof.rows})`, { signal, timeoutMs: hostTimeout });
      yield { type: 'plan', plan, at: now() };
      yield { type: 'run_finished', runId: input.runId, status: 'awaiting_approval', message: 'The plan waits for approval; nothing was changed yet.', artifacts: [], at: now() };
      return;
    }

    // 4. Replay the recipe over every chunk, without model calls; commit each chunk once.
    yield phase('replay', 'started', resumed ? `resuming after ${log.indices().length} committed chunk(s)` : undefined);
    if (sandbox.kind !== 'local' && resumed) await restoreParts(sandbox, workDir, log.indices());
    const begin = () => kernelJson(sandbox, 'starting the replay', `replay_begin(clean_chunk, committed=${JSON.stringify(log.indices())})`, 'None', { signal, timeoutMs: hostTimeout });
    await begin();
    let adaptations = 0;
    let rowsProcessed = log.all().reduce((n, c) => n + c.rowsIn, 0);
    for (let i = 0; i < totalChunks; i++) {
      if (log.has(i)) continue;
      if (signal?.aborted) throw new CancelledError();
      let res: ReplayResult;
      try {
        res = await kernelJson<ReplayResult>(sandbox, `replaying chunk ${i}`, '', `replay_chunk(${i})`, { signal, timeoutMs: config.sandbox.cellTimeoutMs, schema: replayResult });
        if (res.index !== i) throw new SandboxError(`replaying chunk ${i}: the kernel answered for chunk ${res.index}`);
      } catch (err) {
        // The recipe raised on this chunk: the model's mistake, handled like a failed validation.
        if (!(err instanceof CellFailedError)) throw err;
        const raised = { name: 'clean_chunk', ok: false, detail: `raised ${err.cellError.type}: ${err.cellError.message}` };
        yield { type: 'validation', phase: 'replay', scope: 'chunk', chunkIndex: i, ok: false, checks: [raised], at: now() };
        if (adaptations >= agent.maxAdaptations) {
          if (usedFallback) throw err; // the toolkit's own recipe failed: ours to fix
          yield { type: 'log', level: 'warn', message: `Chunk ${i}: the recipe still raises after ${agent.maxAdaptations} adaptation(s) (${raised.detail}); switching to the toolkit's suggested recipe for the remaining chunks.`, at: now() };
          const fallback = 'RECIPE = suggest_recipe(profile())\nclean_chunk = make_clean_chunk(RECIPE)';
          await kernelJson(sandbox, 'building the suggested recipe', fallback, 'None', { signal, timeoutMs: hostTimeout });
          cells = [...cells, fallback];
          usedFallback = true;
          writeFileSync(recipeFile, await recipeSource(sandbox, cells, signal, hostTimeout));
          await begin();
          i--;
          continue;
        }
        res = { index: i, rows_in: 0, rows_out: 0, rows_removed: 0, hash: '', ok: false, checks: [raised] };
      }
      if (res.checks.length && !(res.checks.length === 1 && res.checks[0].name === 'clean_chunk')) {
        yield { type: 'validation', phase: 'replay', scope: 'chunk', chunkIndex: i, ok: res.ok, checks: res.checks, at: now() };
      }
      if (!res.ok && adaptations < agent.maxAdaptations) {
        adaptations++;
        yield { type: 'log', level: 'warn', message: `Chunk ${i} failed validation (${failedChecks(res)}); sending the agent back to adapt the recipe (${adaptations}/${agent.maxAdaptations}).`, at: now() };
        memory.steps.push({ kind: 'task', text: fill(prompts.adapt, { chunkIndex: i, checks: untrusted('validation', failedChecks(res), 2000) }) });
        const firstStep = stats.steps.length + 1;
        const episode = yield* tapSteps(runCodeAgent(memory, { ...agentOptions, phase: 'replay', firstStep }), stats);
        stats.add(episode);
        yield* drain(pending);
        cells = [...cells, ...episode.cells];
        if (episode.done) writeFileSync(recipeFile, await recipeSource(sandbox, cells, signal, hostTimeout));
        await begin();
        i--; // replay the same chunk with the adapted recipe
        continue;
      }
      if (!res.ok) yield { type: 'log', level: 'warn', message: `Chunk ${i} committed with failed checks after ${agent.maxAdaptations} adaptation(s): ${failedChecks(res)}.`, at: now() };
      if (sandbox.kind !== 'local') await mirrorParts(sandbox, workDir, i, maxFileBytes);
      await log.commit({ index: i, rowsIn: res.rows_in, rowsOut: res.rows_out, rowsRemoved: res.rows_removed, hash: res.hash, ok: res.ok, at: now() });
      rowsProcessed += res.rows_in;
      yield { type: 'chunk_committed', index: i, rowsIn: res.rows_in, rowsOut: res.rows_out, hash: res.hash, at: now() };
      yield { type: 'progress', phase: 'replay', chunksDone: log.indices().length, totalChunks, rowsProcessed, elapsedMs: now() - started, modelCalls: stats.modelCalls, at: now() };
    }
    yield phase('replay', 'done', `${totalChunks} chunk(s) committed`);

    // 5. Reflect: outputs, report, recipe remembered.
    yield phase('reflect', 'started');
    const meta = {
      run_id: input.runId,
      ...(input.traceId ? { trace_id: input.traceId } : {}),
      ...(input.datasetName ? { dataset: input.datasetName } : {}),
      input_file: path.basename(input.inputPath),
      model: `${model.name}/${model.model}`,
      sandbox: sandbox.kind,
      resumed,
      adaptations,
      memory: { insights: remembered.insights.length, recipe_offered: Boolean(remembered.recipe) },
      ...(prof.examples ? { examples: prof.examples, learned } : {}),
      ...(input.followUp ? { follow_up_of: input.followUp.runId } : {}),
      model_calls: stats.modelCalls,
      tokens: { input: stats.usage.inputTokens, output: stats.usage.outputTokens },
      cost_usd: config.model.price ? Number(stats.costUsd.toFixed(6)) : null,
      steps: stats.steps,
      durations_ms: { ...stats.durations, total: now() - started },
      chunks: log.all(),
    };
    await log.assertCurrent();
    const fin = await kernelJson<FinalizeResult>(sandbox, 'writing the outputs', '', `finalize(${JSON.stringify(log.indices())}, __import__('json').loads(${JSON.stringify(JSON.stringify(meta))}))`, { signal, timeoutMs: hostTimeout, schema: finalizeResult });
    const comparison = hasEarlierChanges(input) ? await compareWithEarlier(sandbox, sandbox.paths.data, { signal, timeoutMs: hostTimeout }) : undefined;
    const artifacts = await collectArtifacts(sandbox, workDir, input.outDir, fin.artifacts, maxFileBytes, (message) => pending.push({ type: 'log', level: 'warn', message, at: now() }));
    // Only a recipe that passed everywhere is offered to later runs (it would replace a good one),
    // and only as the toolkit's JSON steps: code the agent wrote is never remembered.
    if (!usedFallback && !isCustomRecipe(cells) && log.all().every((c) => c.ok)) {
      const recipe = await recipeJson(sandbox, signal, hostTimeout);
      const kept = recipe.ok ? validateRecipe(forMemory(JSON.parse(recipe.json))) : recipe; // this file's corrected rows are not remembered
      if (kept.ok) await rememberRecipe(deps, input, fingerprint, kept.json, fin).catch((err) =>
        pending.push({ type: 'log', level: 'warn', message: `Could not store the recipe in the knowledge store: ${(err as Error).message}`, at: now() }),
      );
      else pending.push({ type: 'log', level: 'info', message: `The recipe is not remembered: ${kept.reason}.`, at: now() });
    }
    yield* drain(pending);
    yield phase('reflect', 'done');
    yield {
      type: 'run_finished',
      runId: input.runId,
      status: 'succeeded',
      message: comparison ? `${fin.headline}\nCompared with run ${input.followUp?.runId}: ${comparison.text}${learned.length ? `; learned: ${learned.join('; ')}` : ''}.` : fin.headline,
      summary: {
        rowsIn: fin.rows_in,
        rowsOut: fin.rows_out,
        rowsRemoved: fin.rows_removed,
        cellsChanged: fin.cells_changed,
        chunks: totalChunks,
        chunksCommitted: log.indices().length,
        modelCalls: stats.modelCalls,
        tokens: stats.usage,
        costUsd: config.model.price ? stats.costUsd : undefined,
        durationMs: now() - started,
        beforeAfterTable: fin.before_after_table,
        headline: fin.headline,
        ...(learned.length ? { learned } : {}),
        ...(comparison ? { comparison: comparison.text } : {}),
      },
      artifacts,
      at: now(),
    };
  } catch (err) {
    const e = toDsbotError(err);
    if (e instanceof StaleAttemptError) throw e; // a newer attempt owns the run: report nothing
    if (e.kind !== 'cancelled' && !signal?.aborted) throw e;
    yield* drain(pending);
    const kept = log.indices().length;
    yield {
      type: 'run_finished',
      runId: input.runId,
      status: 'stopped',
      message: `Stopped. ${kept} chunk(s) were committed and are kept; resume the run to continue from chunk ${firstMissing(log)}.`,
      artifacts: [],
      at: now(),
    };
  } finally {
    await sandbox.close().catch(() => undefined);
  }

  function* drain(queue: RunEvent[]): Generator<RunEvent> {
    while (queue.length) {
      const e = queue.shift()!;
      yield e;
    }
  }
}

/** Waits for `work` unless `signal` aborts first: then runs `onAbort` (e.g. kill the booting kernel) and throws CancelledError. */
async function untilAborted<T>(signal: AbortSignal | undefined, onAbort: () => Promise<unknown>, work: Promise<T>): Promise<T> {
  if (!signal) return work;
  let listener = () => {};
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      void onAbort().catch(() => undefined);
      reject(new CancelledError());
    };
    if (signal.aborted) listener();
    else signal.addEventListener('abort', listener, { once: true });
  });
  work.catch(() => undefined); // a start interrupted by the abort may reject later
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', listener);
  }
}

/** Forwards the agent's events, recording its steps for the report. */
async function* tapSteps(gen: AsyncGenerator<RunEvent, CodeAgentResult>, stats: RunStats): AsyncGenerator<RunEvent, CodeAgentResult> {
  for (;;) {
    const r = await gen.next();
    if (r.done) return r.value;
    const e = r.value;
    if (e.type === 'step') stats.steps.push({ step: e.step, phase: e.phase, isError: e.isError, durationMs: e.durationMs, inputTokens: e.usage.inputTokens, outputTokens: e.usage.outputTokens, ...(e.costUsd !== undefined ? { costUsd: e.costUsd } : {}) });
    yield e;
  }
}

function firstMissing(log: CommitLog): number {
  let i = 0;
  while (log.has(i)) i++;
  return i;
}

