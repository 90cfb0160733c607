/**
 * One config schema for every process. Loaded once (src/config/load.ts) from config/*.yaml
 * plus environment variables for secrets, then passed in. Nothing else reads process.env.
 */
import { z } from 'zod';

export const sandboxSchema = z.object({
  /** `local` (bubblewrap) or `e2b`. */
  kind: z.enum(['local', 'e2b']).default('local'),
  /** Python with pandas used by the local sandbox (Debian's, not the one first on PATH). */
  python: z.string().default('/usr/bin/python3'),
  /** Wall-clock limit per cell. */
  cellTimeoutMs: z.number().int().positive().default(120_000),
  /** Cap of stdout and of stderr per cell. */
  maxOutputBytes: z.number().int().positive().default(64 * 1024),
  /** Kernel start timeout (imports pandas). */
  startTimeoutMs: z.number().int().positive().default(30_000),
  local: z
    .object({
      /** Run without bubblewrap (NO isolation). Only for machines that cannot run bwrap; warns at every start. */
      allowUnisolated: z.boolean().default(false),
      bwrap: z.string().default('bwrap'),
      /** CPU seconds per kernel (RLIMIT_CPU). */
      cpuSeconds: z.number().int().positive().default(3600),
      /** Address space per kernel (RLIMIT_AS), MiB. */
      memoryMb: z.number().int().positive().default(2048),
      /** Processes (RLIMIT_NPROC; not enforced for root, the PID namespace still contains them). */
      maxProcesses: z.number().int().positive().default(64),
      /** Largest file the kernel may write (RLIMIT_FSIZE), MiB. */
      maxFileMb: z.number().int().positive().default(2048),
      /**
       * Bytes the kernel may keep in its work dir, MiB (checked every 250 ms while a cell runs and
       * when it ends; past it the kernel is stopped and what it wrote since the last check removed).
       * 8 GiB: a 10M-row run (about 1.5 GB of CSV) peaks at 2-3× its input (chunk parts + joined outputs).
       */
      workDirMb: z.number().int().positive().default(8192),
      /** Size of the kernel's private, writable /tmp (RAM), MiB. */
      tmpMb: z.number().int().positive().default(256),
    })
    .prefault({}),
  e2b: z
    .object({
      /** Template with Python + pandas. */
      template: z.string().default('code-interpreter-v1'),
      /** Set from E2B_API_KEY. */
      apiKey: z.string().optional(),
      /** Set from E2B_DOMAIN (self-hosted). */
      domain: z.string().optional(),
      /** Sandbox lifetime, ms. */
      timeoutMs: z.number().int().positive().default(3_600_000),
      python: z.string().default('python3'),
    })
    .prefault({}),
});

export const modelSchema = z.object({
  /** `builtin` needs no key; `anthropic` and `openai-compatible` need a key or a base URL. */
  provider: z.enum(['builtin', 'anthropic', 'openai-compatible']).default('builtin'),
  model: z.string().default('builtin'),
  /** For openai-compatible servers (Ollama http://127.0.0.1:11434/v1, vLLM, LM Studio). */
  baseUrl: z.string().optional(),
  /** From ANTHROPIC_API_KEY / OPENAI_API_KEY. */
  apiKey: z.string().optional(),
  contextWindow: z.number().int().positive().default(200_000),
  /** Condense older steps once a prompt would pass this fraction of the context window. */
  contextBudget: z.number().min(0.1).max(1).default(0.6),
  temperature: z.number().min(0).max(2).default(0),
  maxOutputTokens: z.number().int().positive().default(4096),
  timeoutMs: z.number().int().positive().default(120_000),
  retries: z.number().int().min(0).default(4),
  /** USD per million tokens, for cost reporting. */
  price: z.object({ inputPerMTok: z.number(), outputPerMTok: z.number() }).optional(),
});

export const agentSchema = z.object({
  chunkRows: z.number().int().positive().default(50_000),
  sampleRows: z.number().int().positive().default(2_000),
  maxSteps: z.number().int().positive().default(12),
  /** A planning step at the start and every N steps. */
  planningInterval: z.number().int().positive().default(4),
  /** How many times a failed chunk may send the agent back to adapt the recipe. */
  maxAdaptations: z.number().int().min(0).default(2),
  /** Outliers: `flag` (report only) or `remove` (into removed_rows.csv with the reason). */
  outliers: z.enum(['flag', 'remove']).default('flag'),
  /** Largest observation (chars) sent back to the model per step. */
  maxObservationChars: z.number().int().positive().default(6_000),
  /** Largest file the host takes from the sandbox's work dir (an output, a chunk part), MiB. */
  maxArtifactMb: z.number().int().positive().default(2048),
  /**
   * Processes a run uses in the kernel: 2 profiles half the columns in a forked helper, and writes
   * and measures a chunk in a forked process while the next chunk is cleaned (same results, about
   * one more chunk in memory); 1 does both in the kernel alone.
   */
  processes: z.number().int().min(1).max(2).default(2),
});

export const knowledgeSchema = z.object({
  /** `chroma` (URL or embedded server) or `memory` (tests, throwaway). */
  kind: z.enum(['chroma', 'memory']).default('chroma'),
  /** Chroma server URL; when empty an embedded server is started under `dataDir`. */
  chromaUrl: z.string().optional(),
  embedding: z.enum(['builtin', 'openai', 'ollama']).default('builtin'),
  embeddingModel: z.string().optional(),
  embeddingBaseUrl: z.string().optional(),
  /** Prefix for collection names (tests use a unique one). */
  collectionPrefix: z.string().default('dsbot'),
});

export const queueSchema = z.object({
  /** From REDIS_URL. */
  redisUrl: z.string().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix (tests use a unique one). */
  prefix: z.string().default('dsbot'),
  queueName: z.string().default('cleaning-runs'),
  concurrency: z.number().int().positive().default(2),
  /** A run holds its lock this long between renewals. */
  lockDurationMs: z.number().int().positive().default(60_000),
  stalledIntervalMs: z.number().int().positive().default(30_000),
  attempts: z.number().int().positive().default(3),
  backoffMs: z.number().int().positive().default(5_000),
  /** How long `dsbot bot` / `dsbot worker` wait for Redis at start (DSBOT_REDIS_WAIT_MS); 0: fail at once with one line. */
  connectWaitMs: z.number().int().min(0).default(0),
});

export const adminSchema = z.object({
  /** Admin user ids per platform. Default: nobody (deny). */
  users: z
    .object({
      slack: z.array(z.string()).default([]),
      discord: z.array(z.string()).default([]),
      console: z.array(z.string()).default([]),
    })
    .prefault({}),
  /** Discord role names that count as admin. */
  discordRoles: z.array(z.string()).default([]),
  /** When non-empty, runs may only start in these channel refs (`slack:T:C`, `discord:G:C`). */
  channelAllowlist: z.array(z.string()).default([]),
  /** Active runs allowed per channel. */
  maxActiveRunsPerChannel: z.number().int().positive().default(1),
  /** Largest accepted CSV upload, MiB. */
  maxUploadMb: z.number().positive().default(100),
});

export const slackSchema = z.object({
  /** SLACK_BOT_TOKEN (xoxb-…). */
  botToken: z.string().optional(),
  /** SLACK_SIGNING_SECRET (HTTP receiver). */
  signingSecret: z.string().optional(),
  /** SLACK_APP_TOKEN (xapp-…) turns on Socket Mode. */
  appToken: z.string().optional(),
  /** HTTP receiver port. */
  port: z.number().int().positive().default(3000),
  /** Web API base (tests point it at a fake). */
  apiUrl: z.string().optional(),
});

export const discordSchema = z.object({
  /** DISCORD_BOT_TOKEN. */
  botToken: z.string().optional(),
  /** DISCORD_APPLICATION_ID (for registering slash commands). */
  applicationId: z.string().optional(),
  /** REST base (tests point it at a fake), e.g. http://127.0.0.1:PORT/api. */
  apiUrl: z.string().optional(),
});

export const observabilitySchema = z.object({
  /** `service.name` of traces and `service` of log lines (OTEL_SERVICE_NAME). Default: dsbot-<command> (dsbot-bot, dsbot-worker…). */
  serviceName: z.string().optional(),
  /** OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT), e.g. http://127.0.0.1:4318: spans go to <endpoint>/v1/traces. Unset: nothing is sent. */
  otlpEndpoint: z.url().optional(),
  /** Headers of OTLP requests (OTEL_EXPORTER_OTLP_HEADERS, `key=value,key2=value2`), e.g. an API key. */
  otlpHeaders: z.string().optional(),
  /** Log level (DSBOT_LOG_LEVEL). */
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** `auto`: readable lines when stderr is a terminal, JSON lines otherwise (DSBOT_LOG_FORMAT). */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
  http: z
    .object({
      /** Port of /metrics, /healthz, /readyz (and the bot's /queues dashboard) (DSBOT_HTTP_PORT). Default 9464 for the bot, 9465 for a worker; 0 turns the server off. */
      port: z.number().int().min(0).max(65_535).optional(),
      /** Address it listens on (DSBOT_HTTP_HOST). */
      host: z.string().default('0.0.0.0'),
    })
    .prefault({}),
  /** How long a successful "sandbox can start" check counts for /readyz (starting a kernel costs about a second). */
  sandboxCheckTtlMs: z.number().int().positive().default(300_000),
  dashboard: z
    .object({
      /** The queue dashboard (bull-board) at /queues on the bot, behind this token (DSBOT_DASHBOARD_TOKEN). Unset: no dashboard. */
      token: z.string().min(16, 'use at least 16 characters').optional(),
      /** No retry/remove/clean buttons unless false (DSBOT_DASHBOARD_READ_ONLY=false). */
      readOnly: z.boolean().default(true),
      /** Public base URL of the bot's HTTP server (DSBOT_PUBLIC_URL); `status` replies link to the dashboard there. */
      publicUrl: z.url().optional(),
    })
    .prefault({}),
});

export const approvalSchema = z.object({
  /** Every run stops after its draft and posts its plan for an admin to approve (a trigger's `approve=yes|no` overrides it). */
  required: z.boolean().default(false),
  /** A plan with no decision by then ends the run (nothing changed). Default 24 h. */
  timeoutMs: z.number().int().positive().default(86_400_000),
});

export const threadSchema = z.object({
  /** Posts one run attempt makes into its thread besides editing its status message, the final summary and files included. */
  maxPosts: z.number().int().min(3).default(5),
  /** Columns of the before/after table (and of a plan) shown in the thread: those with most problems; the rest are in report.md. */
  tableColumns: z.number().int().positive().default(10),
});

export const configSchema = z.object({
  /** Where runs, uploads, the embedded Chroma and the audit log live (the artifact store). */
  dataDir: z.string().default('.dsbot'),
  /** Bundled and registered datasets: name → CSV path (+ optional data dictionary). */
  datasets: z
    .record(
      z.string(),
      z.object({ path: z.string(), dictionary: z.string().optional(), description: z.string().optional() }),
    )
    .default({}),
  sandbox: sandboxSchema.prefault({}),
  model: modelSchema.prefault({}),
  agent: agentSchema.prefault({}),
  knowledge: knowledgeSchema.prefault({}),
  queue: queueSchema.prefault({}),
  admin: adminSchema.prefault({}),
  slack: slackSchema.prefault({}),
  discord: discordSchema.prefault({}),
  observability: observabilitySchema.prefault({}),
  approval: approvalSchema.prefault({}),
  thread: threadSchema.prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type SandboxConfig = z.infer<typeof sandboxSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type AgentConfig = z.infer<typeof agentSchema>;
export type KnowledgeConfig = z.infer<typeof knowledgeSchema>;
export type QueueConfig = z.infer<typeof queueSchema>;
export type AdminConfig = z.infer<typeof adminSchema>;
export type ObservabilityConfig = z.infer<typeof observabilitySchema>;
export type ThreadConfig = z.infer<typeof threadSchema>;
