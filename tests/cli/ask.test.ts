/** `dsbot ask` from the shell against the fake model server: no answer exits non-zero; an unreachable server is named. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeModelServer } from '../fakes/model-server.js';

const server = await startFakeModelServer();
afterAll(() => server.close());
const dir = mkdtempSync(path.join(os.tmpdir(), 'dsbot-ask-'));
const cfg = path.join(dir, 'config.yaml');
writeFileSync(cfg, `dataDir: ${JSON.stringify(path.join(dir, 'data'))}\nknowledge:\n  kind: memory\nmodel:\n  retries: 0\n`);

function ask(question: string, baseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: dir, DSBOT_CONFIG: cfg, DSBOT_MODEL_PROVIDER: 'openai-compatible', DSBOT_MODEL_BASE_URL: baseUrl, DSBOT_MODEL: 'm', OPENAI_API_KEY: 'k' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/dsbot.js', 'ask', question], { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('dsbot ask with a model', () => {
  it('exits 0 with the answer, and non-zero when the model returns nothing', async () => {
    server.respondWith(() => ({ text: 'Forty.' }));
    const ok = await ask('how old?', server.openaiUrl);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('Forty.');
    server.respondWith(() => ({ text: '' }));
    const empty = await ask('how old?', server.openaiUrl);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toMatch(/the model returned no text/);
  }, 120_000);

  it('names the model server it cannot reach', async () => {
    const r = await ask('how old?', 'http://127.0.0.1:9/v1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dsbot: openai-compatible at http:\/\/127\.0\.0\.1:9\/v1: Connection error/);
  }, 120_000);
});
