/** The Sandbox contract against LocalSandbox (bubblewrap + prlimit). */
import { sandboxSchema } from '../../src/config/schema.js';
import { LocalSandbox } from '../../src/sandbox/local.js';
import { sandboxContract } from './contract.js';

sandboxContract({
  name: 'LocalSandbox (bubblewrap)',
  create: () => new LocalSandbox(sandboxSchema.parse({ cellTimeoutMs: 20_000, local: { maxProcesses: 48, memoryMb: 2048 } })),
  isolation: true,
  limits: true,
});
