/**
 * `dsbot demo` as a user runs it (separate process, real engine, builtin model, local sandbox):
 * with no Redis at REDIS_URL it starts its own, plays the scripted session, exits 0 and leaves
 * the artifacts under ./runs/<run-id>/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.js';

let running: ReturnType<typeof spawn> | undefined;
afterEach(() => {
  if (running && running.exitCode === null) running.kill('SIGKILL');
});

describe('dsbot demo', () => {
  it('plays the session and exits 0 leaving cleaned.csv, report.md, chart.png, changes.csv', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'dsbot-demo-'));
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/dsbot.js'), 'demo'], {
      cwd,
      env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1', DSBOT_DATA_DIR: path.join(cwd, 'data'), DSBOT_MODEL_PROVIDER: 'builtin', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, out).toBe(0);
    expect(out).toContain('starting a private redis-server');
    expect(out).toMatch(/guest> which columns have missing values in turtle_sales\?/);
    expect(out).toContain('only admins can start cleaning runs');
    const runId = /Run `(run-[0-9a-f]+)` queued/.exec(out)![1];
    expect(out).toContain(`Run ${runId} succeeded.`);
    const dir = path.join(cwd, 'runs', runId);
    expect(readdirSync(dir).sort()).toEqual(['changes.csv', 'chart.png', 'cleaned.csv', 'report.md']);
    expect(readFileSync(path.join(dir, 'cleaned.csv'), 'utf8').split('\n')[0]).toContain('Ranking');
    expect(existsSync(path.join(cwd, 'data', 'audit.log'))).toBe(true);
  }, 150_000);
});
