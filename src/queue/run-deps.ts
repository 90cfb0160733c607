/**
 * The real collaborators of a cleaning run, built from config once per worker process:
 * the model (createModel), the knowledge store (createKnowledgeStore), a sandbox factory
 * (createSandbox). Tests and benchmarks pass their own RunDeps to the worker instead.
 */
import type { Config } from '../config/schema.js';
import type { RunDeps } from '../agent/types.js';
import { createModel } from '../agent/models/index.js';
import { createKnowledgeStore } from '../knowledge/index.js';
import { createSandbox } from '../sandbox/index.js';

/** RunDeps plus how to release them. */
export interface OwnedRunDeps extends RunDeps {
  /** Closes the knowledge store (and whatever else was opened). */
  close(): Promise<void>;
}

export async function createRunDeps(config: Config): Promise<OwnedRunDeps> {
  const knowledge = await createKnowledgeStore(config);
  return {
    config,
    model: createModel(config.model),
    knowledge,
    createSandbox: () => createSandbox(config.sandbox),
    close: () => knowledge.close(),
  };
}
