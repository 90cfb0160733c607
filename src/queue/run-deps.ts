/**
 * The real collaborators of a cleaning run, built from config once per worker process:
 * the model (createModel), the knowledge store (createKnowledgeStore), a sandbox factory
 * (createSandbox). Tests and benchmarks pass their own RunDeps to the worker instead.
 */
import type { Config, SandboxConfig } from '../config/schema.js';
import type { RunDeps } from '../agent/types.js';
import { createModel } from '../agent/models/index.js';
import { createKnowledgeStore } from '../knowledge/index.js';
import type { Sandbox } from '../sandbox/types.js';

/** RunDeps plus how to release them. */
export interface OwnedRunDeps extends RunDeps {
  /** Closes the knowledge store (and whatever else was opened). */
  close(): Promise<void>;
}

type SandboxFactory = (config: SandboxConfig) => Sandbox;

async function loadSandboxFactory(): Promise<SandboxFactory> {
  // Resolved at run time: src/sandbox/index.ts is built by the sandbox issue.
  const spec = '../sandbox/index.js';
  const mod = (await import(spec)) as { createSandbox: SandboxFactory };
  return mod.createSandbox;
}

export async function createRunDeps(config: Config): Promise<OwnedRunDeps> {
  const createSandbox = await loadSandboxFactory();
  const knowledge = await createKnowledgeStore(config);
  return {
    config,
    model: createModel(config.model),
    knowledge,
    createSandbox: () => createSandbox(config.sandbox),
    close: () => knowledge.close(),
  };
}
