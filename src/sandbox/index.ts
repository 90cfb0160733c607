/** Picks the sandbox implementation from config (DESIGN.md decision 3). */
import { sandboxSchema, type SandboxConfig } from '../config/schema.js';
import { E2BSandbox } from './e2b.js';
import { LocalSandbox } from './local.js';
import { tracedSandbox } from './traced.js';
import type { Sandbox } from './types.js';

export type { Sandbox, ExecOptions, ExecResult, SandboxStartOptions, HostToolHandler, CellError, KillReason } from './types.js';
export { LocalSandbox } from './local.js';
export { E2BSandbox } from './e2b.js';

/** A new, not yet started sandbox of the configured kind (`sandbox.kind`), traced (spans and metrics per cell). */
export function createSandbox(config: SandboxConfig): Sandbox {
  const cfg = sandboxSchema.parse(config ?? {});
  return tracedSandbox(cfg.kind === 'e2b' ? new E2BSandbox(cfg) : new LocalSandbox(cfg));
}
