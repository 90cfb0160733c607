/**
 * Typed events of a cleaning run. The run is an async generator of these; workers, the CLI
 * and tests render them. The agent imports no chat code.
 */
import type { TokenUsage } from './models/types.js';

export type Phase = 'memory' | 'profile' | 'draft' | 'replay' | 'reflect';
/** How a run ended; `awaiting_approval`: it stopped after the draft with a plan for a person to approve. */
export type RunStatus = 'succeeded' | 'stopped' | 'failed' | 'awaiting_approval';

export interface ValidationCheck {
  /** e.g. `schema`, `types`, `required_nulls`, `ranges`, `duplicates`, `row_accounting`, `rule:<name>`. */
  name: string;
  ok: boolean;
  detail: string;
}

export interface Artifact {
  /** File name, e.g. `cleaned.csv`. */
  name: string;
  /** Absolute host path. */
  path: string;
  contentType: string;
  bytes: number;
}

/** Short before/after numbers for the final summary. */
export interface RunSummary {
  rowsIn: number;
  rowsOut: number;
  rowsRemoved: number;
  cellsChanged: number;
  chunks: number;
  chunksCommitted: number;
  modelCalls: number;
  tokens: TokenUsage;
  costUsd?: number;
  durationMs: number;
  /** Markdown table: per column, problems before and after. */
  beforeAfterTable: string;
  /** One paragraph a person reads first. */
  headline: string;
  /** What the recipe learned from corrected rows, as sentences (runs given corrections). */
  learned?: string[];
  /** How a follow-up run's changes differ from the finished run's ("+234 cells repaired, 12 changes undone"). */
  comparison?: string;
}

/**
 * What the drafted recipe would do, measured on the sample (src/agent/run-glue.py
 * `plan_summary`): shown to a person who approves, cancels or asks for a change.
 */
export interface RunPlan {
  /** Rows the plan was measured on (the sample). */
  sampleRows: number;
  /** Rows in the whole file. */
  totalRows: number;
  /** Rows of the sample the recipe keeps. */
  rowsKept: number;
  /** Cells of the sample the recipe changes, all columns. */
  cellsChanged: number;
  /** Columns the recipe changes, most cells first (the first few dozen; `moreColumns` counts the rest). */
  columns: { name: string; cells: number; rules: { rule: string; cells: number }[]; examples: { before: string; after: string }[] }[];
  /** Changed columns not listed in `columns`. */
  moreColumns: number;
  /** Rows of the sample removed, by reason. */
  removed: { reason: string; rows: number }[];
  /** Cells of the sample flagged for review (kept), by rule. */
  flagged: { rule: string; cells: number }[];
  /** The recipe, one line per step (the first steps; `totalSteps` counts them all). */
  steps: string[];
  totalSteps: number;
}

export type RunEvent =
  | { type: 'run_started'; runId: string; input: string; dataset?: string; resumed: boolean; at: number }
  | { type: 'phase'; phase: Phase; status: 'started' | 'done'; detail?: string; at: number }
  | {
      type: 'step';
      phase: Phase;
      step: number;
      /** The model's thought (prose before the code). */
      thought: string;
      code: string;
      /** What went back to the model (stdout, error, verdict), already truncated. */
      observation: string;
      /** True when the step's code raised, had no code block, or failed validation. */
      isError: boolean;
      durationMs: number;
      usage: TokenUsage;
      /** Cost of the step's model calls in USD, when a price table is configured. */
      costUsd?: number;
      at: number;
    }
  | { type: 'validation'; phase: Phase; scope: 'sample' | 'chunk'; chunkIndex?: number; ok: boolean; checks: ValidationCheck[]; at: number }
  | { type: 'chunk_committed'; index: number; rowsIn: number; rowsOut: number; hash: string; at: number }
  | {
      type: 'progress';
      phase: Phase;
      chunksDone: number;
      totalChunks: number;
      rowsProcessed: number;
      elapsedMs: number;
      modelCalls: number;
      at: number;
    }
  | { type: 'insight'; text: string; at: number }
  /** The draft is ready and waits for approval (only when the run was asked to stop at the plan). */
  | { type: 'plan'; plan: RunPlan; at: number }
  | { type: 'log'; level: 'info' | 'warn'; message: string; at: number }
  | {
      type: 'run_finished';
      runId: string;
      status: RunStatus;
      /** What happened, for people; for a stop or failure also what was kept. */
      message: string;
      summary?: RunSummary;
      artifacts: Artifact[];
      error?: { kind: string; message: string };
      at: number;
    };
