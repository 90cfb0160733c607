/**
 * The Sandbox contract against LocalSandbox (bubblewrap + prlimit); when the tests run as root,
 * also with bubblewrap run as `nobody` (the path of an unprivileged host).
 */
import { sandboxSchema } from '../../src/config/schema.js';
import { LocalSandbox } from '../../src/sandbox/local.js';
import { sandboxContract } from './contract.js';

sandboxContract({
  name: 'LocalSandbox (bubblewrap)',
  create: () => new LocalSandbox(sandboxSchema.parse({ cellTimeoutMs: 20_000, local: { maxProcesses: 48, memoryMb: 2048 } })),
  isolation: true,
  limits: true,
});

sandboxContract({
  name: 'LocalSandbox (bubblewrap run by an unprivileged user)',
  create: () => new LocalSandbox(sandboxSchema.parse({ cellTimeoutMs: 20_000, local: { maxProcesses: 48, memoryMb: 2048 } }), { spawnAs: { uid: 65534, gid: 65534 } }),
  isolation: true,
  limits: true,
  skip: process.getuid?.() !== 0,
});
