/** Shared setup of the chat tests: config on a temp data dir, a counting sandbox factory, pandas ground truth. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/types.js';

/** The project's config (turtle datasets) on a fresh data dir. */
export function chatConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, overrides: { dataDir: mkdtempSync(path.join(os.tmpdir(), 'dsbot-chat-test-')), ...overrides } });
}

/** createSandbox that counts starts and closes. */
export function countingSandboxes(config: Config) {
  const stats = { created: 0, started: 0, closed: 0 };
  const create = (): Sandbox => {
    stats.created++;
    const s = createSandbox(config.sandbox);
    const start = s.start.bind(s);
    const close = s.close.bind(s);
    s.start = async (o) => {
      stats.started++;
      return start(o);
    };
    s.close = async () => {
      stats.closed++;
      return close();
    };
    return s;
  };
  return { stats, create };
}

/** Evaluates Python with pandas on the host (ground truth computed independently of the agent). */
export function pandas(code: string): string {
  return execFileSync('/usr/bin/python3', ['-c', `import pandas as pd\n${code}`], { encoding: 'utf8' }).trim();
}
