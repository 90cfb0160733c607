/**
 * The job payload of a cleaning run: versioned, zod-validated when enqueued and again when
 * processed, carrying references (dataset name or saved upload path, thread ref), never data.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InputError } from '../errors.js';

/** Thread refs the sinks understand: `console:…`, `slack:T:C:ts`, `discord:G:C:T`. */
const threadRefSchema = z
  .string()
  .regex(/^(console|slack|discord):[^\s]+$/, 'must look like console:…, slack:T:C:ts or discord:G:C:T');

export const runSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dataset'), name: z.string().min(1) }),
  z.object({
    kind: z.literal('upload'),
    /** Host path of the saved upload (under dataDir/uploads). */
    path: z.string().min(1),
    /** Name the user gave the file. */
    originalName: z.string().min(1),
    bytes: z.number().int().positive(),
  }),
]);

/** Per-run overrides a person may ask for; everything else comes from config. */
export const runOptionsSchema = z
  .object({
    chunkRows: z.number().int().positive().optional(),
    sampleRows: z.number().int().positive().optional(),
    maxSteps: z.number().int().positive().optional(),
    outliers: z.enum(['flag', 'remove']).optional(),
    /** Stop after the draft and post the plan for approval (`approve=yes`); overrides `approval.required`. */
    approve: z.boolean().optional(),
  })
  .strict();

export const runRequestSchema = z
  .object({
    /** Payload version; bump on incompatible changes. */
    version: z.literal(1),
    /** Deterministic run id (= BullMQ job id); see `makeRunId`. */
    runId: z.string().regex(/^run-[0-9a-f]{12,64}$/, 'must be run-<hex> (use makeRunId)'),
    source: runSourceSchema,
    options: runOptionsSchema.default({}),
    requestedBy: z.object({
      platform: z.enum(['slack', 'discord', 'console']),
      userId: z.string().min(1),
      name: z.string().optional(),
    }),
    /** Where the run reports. */
    threadRef: threadRefSchema,
    /** The channel (allowlist, one run per channel). */
    channelRef: threadRefSchema,
    /** Platform id of the trigger message (dedup). */
    triggerMessageId: z.string().min(1),
    /** Epoch ms of the trigger. */
    requestedAt: z.number().int().nonnegative(),
    /** A follow-up of a finished run: its profile is reused, the corrections (a JSON file of cells) are learned from. */
    followUp: z
      .object({ of: z.string().regex(/^run-[0-9a-f]{12,64}$/), corrections: z.string().min(1), cells: z.number().int().positive() })
      .strict()
      .optional(),
  })
  .strict();

export type RunSource = z.infer<typeof runSourceSchema>;
export type RunOptions = z.infer<typeof runOptionsSchema>;
export type RunRequest = z.infer<typeof runRequestSchema>;
/** What callers write; `options` may be omitted. */
export type RunRequestInput = z.input<typeof runRequestSchema>;

/** Validates a payload; throws InputError naming every bad field. */
export function parseRunRequest(data: unknown): RunRequest {
  const parsed = runRequestSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new InputError(`Invalid run request: ${lines.join('; ')}.`, { cause: parsed.error });
}

/**
 * Deterministic run id: the same trigger (channel, source, message id) always gives the same
 * id, so a message delivered twice starts one run.
 */
export function makeRunId(parts: { channelRef: string; source: string; triggerMessageId: string }): string {
  const h = createHash('sha256').update(`${parts.channelRef}\n${parts.source}\n${parts.triggerMessageId}`).digest('hex');
  return `run-${h.slice(0, 16)}`;
}

/** Short human label of a run's input. */
export function describeSource(source: RunSource): string {
  return source.kind === 'dataset' ? source.name : source.originalName;
}
