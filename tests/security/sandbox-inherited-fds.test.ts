/**
 * A descriptor the host process inherited without close-on-exec (here a file opened for append,
 * as a supervisor's log might be) must not reach cells: bubblewrap passes such descriptors on.
 * The host runs in a child process started with that descriptor as fd 200 (a high number: Node reuses low ones for itself).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('local sandbox and descriptors inherited by the host', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dsbot-sec-fds-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('closes them before any cell runs', async () => {
    const log = path.join(tmp, 'host.log');
    await writeFile(log, 'host log\n');
    const script = path.join(tmp, 'host.mts');
    await writeFile(
      script,
      [
        `import { sandboxSchema } from ${JSON.stringify(path.join(root, 'src/config/schema.ts'))};`,
        `import { LocalSandbox } from ${JSON.stringify(path.join(root, 'src/sandbox/local.ts'))};`,
        'const sb = new LocalSandbox(sandboxSchema.parse({}));',
        `await sb.start({ workDir: ${JSON.stringify(path.join(tmp, 'work'))} });`,
        'const r = await sb.exec(`import os\\ntry:\\n    os.write(200, b"written from a cell\\\\n")\\n    print("wrote")\\nexcept OSError as e:\\n    print("refused", e.errno)`);',
        'await sb.close();',
        'console.log(JSON.stringify(r));',
      ].join('\n'),
    );
    const fd = openSync(log, 'a');
    try {
      const tsx = path.join(root, 'node_modules/.bin/tsx');
      const out = spawnSync(tsx, [script], { cwd: root, encoding: 'utf8', stdio: [...(['ignore', 'pipe', 'pipe'] as const), ...Array<'ignore'>(197).fill('ignore'), fd], timeout: 60_000 });
      expect(out.status, out.stderr).toBe(0);
      const r = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { stdout: string };
      expect(r.stdout).toMatch(/^refused 9\n$/); // EBADF
    } finally {
      closeSync(fd);
    }
    expect(await readFile(log, 'utf8')).toBe('host log\n');
  });
});
