/** The Sandbox contract against E2BSandbox driving a test double of the e2b SDK (the real kernel runs locally). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { sandboxSchema } from '../../src/config/schema.js';
import { E2BSandbox } from '../../src/sandbox/e2b.js';
import { sandboxContract } from './contract.js';
import { fakeE2B } from './fake-e2b.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'dsbot-fake-e2b-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

sandboxContract({
  name: 'E2BSandbox (fake SDK)',
  create: () =>
    new E2BSandbox(sandboxSchema.parse({ kind: 'e2b', cellTimeoutMs: 20_000, e2b: { python: '/usr/bin/python3', apiKey: 'test-key' } }), {
      connect: fakeE2B(root).connect,
      root,
    }),
  // The fake runs the kernel as a plain local process: no network namespace, no host-file
  // isolation and no resource limits, so those cases only run against real isolation.
  isolation: false,
  limits: false,
});
