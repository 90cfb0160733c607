/** Inputs and collaborators of a cleaning run (src/agent/run.ts). */
import type { AgentConfig, Config } from '../config/schema.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import type { Sandbox } from '../sandbox/types.js';
import type { CommitFence } from './commit-log.js';
import type { ModelProvider } from './models/types.js';

export interface CleaningRunInput {
  /** Stable id: a re-run with the same id resumes at the first uncommitted chunk. */
  runId: string;
  /** Host path of the CSV to clean. */
  inputPath: string;
  /** Registered dataset name, when the input is one. */
  datasetName?: string;
  /** Host path of a data dictionary (free text, like metadata_turtle_games.txt). */
  dictionaryPath?: string;
  /** Run directory: outputs, commit log, recipe. Reused on resume. */
  outDir: string;
  /** Per-run overrides of agent settings (chunk rows, outlier policy…). */
  options?: Partial<AgentConfig>;
  /** OpenTelemetry trace id of this attempt, written into report.md/report.json (the worker sets it). */
  traceId?: string;
  /** Fences this attempt's chunk commits against other attempts of the run (queued runs; see commit-log.ts). */
  fence?: CommitFence;
  /** Host path of corrected example rows (CSV: the file's header plus `row`; or JSON cells); see run-examples.ts. */
  examplesPath?: string;
  /** A follow-up of a finished run on the same input: its profile is reused and its changes compared. */
  followUp?: { runId: string; outDir: string };
  /** Keep the profile in the run dir (`state/`) so a follow-up run can reuse it. */
  keepState?: boolean;
  /**
   * Plan approval, a phase boundary after the draft. `plan`: draft, then end with a `plan` event
   * and status `awaiting_approval` (the recipe stays in the run directory). `approved`: continue
   * from that recipe without drafting again. `change`: draft again from it, following a
   * person's instruction, then end with a new plan. Absent: run straight through.
   */
  approval?: { stage: 'plan' } | { stage: 'approved' } | { stage: 'change'; instruction: string };
}

export interface RunDeps {
  config: Config;
  model: ModelProvider;
  knowledge: KnowledgeStore;
  /** A fresh, not yet started sandbox (the run starts and closes it). */
  createSandbox: () => Sandbox;
}
