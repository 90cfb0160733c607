/** The Sandbox contract against the real E2B service: runs only when E2B_API_KEY is set. */
import { describe, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { E2BSandbox } from '../../src/sandbox/e2b.js';
import { sandboxContract } from './contract.js';

const config = loadConfig();

if (config.sandbox.e2b.apiKey) {
  sandboxContract({
    name: 'E2BSandbox (live E2B)',
    create: () => new E2BSandbox({ ...config.sandbox, kind: 'e2b', cellTimeoutMs: 60_000 }),
    isolation: true, // a VM with internet access turned off: host files, env and network are out of reach
    limits: false, // the VM's own memory/process limits differ by template: not asserted here
  });
} else {
  describe('E2BSandbox (live E2B)', () => {
    it.skip('needs E2B_API_KEY', () => undefined);
  });
}
