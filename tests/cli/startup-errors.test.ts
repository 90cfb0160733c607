/**
 * Start-up failures of `dsbot worker` / `dsbot bot` as an operator meets them (separate
 * processes): each ends at once with exit code 1 and ONE clear line, never a stack trace —
 * Redis unreachable, a misspelled config key, a token Slack or Discord rejects — and `.env` in
 * the working directory is read.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { PROJECT_ROOT } from '../../src/config/load.js';
import { startFakeSlack } from '../fakes/slack-server.js';
import { startFakeDiscord } from '../fakes/discord-server.js';
import { REDIS_URL } from '../helpers/queue-stack.js';

interface Outcome {
  code: number | null;
  /** stderr lines that are not JSON log lines. */
  lines: string[];
  stderr: string;
  stdout: string;
}

/**
 * Runs `dsbot <args>` in a fresh directory with only the variables given (plus PATH/HOME). The
 * default config file keeps knowledge in memory, so a process that wrongly starts leaves no
 * embedded Chroma behind when it is killed.
 */
async function dsbot(args: string[], env: Record<string, string>, files: Record<string, string> = {}): Promise<Outcome> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'dsbot-start-'));
  for (const [name, text] of Object.entries({ 'dsbot.yaml': configYaml(), ...files })) writeFileSync(path.join(cwd, name), text);
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/dsbot.js'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, DSBOT_DATA_DIR: path.join(cwd, 'data'), DSBOT_HTTP_PORT: '0', DSBOT_CONFIG: 'dsbot.yaml', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(killer);
  const lines = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
  return { code, lines, stderr, stdout };
}

function expectOneClearLine(o: Outcome, pattern: RegExp): void {
  expect(o.code, o.stderr).toBe(1);
  expect(o.lines, o.stderr).toHaveLength(1);
  expect(o.lines[0]).toMatch(pattern);
  expect(o.stderr).not.toMatch(/^\s+at /m);
}

/** A config file: in-memory knowledge (no Chroma to start) plus `extra`. */
function configYaml(extra: Record<string, unknown> = {}): string {
  return toYaml({ knowledge: { kind: 'memory' }, ...extra });
}

describe('start-up errors', () => {
  it('worker: no Redis at REDIS_URL — one line naming the URL, no "ready"', async () => {
    const o = await dsbot(['worker'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expectOneClearLine(o, /^dsbot: No Redis answers at redis:\/\/127\.0\.0\.1:1 \(queue\.redisUrl \/ REDIS_URL\)\. Start one/);
    expect(o.stderr).not.toContain('ready');
  }, 60_000);

  it('bot: no Redis, after waiting the configured DSBOT_REDIS_WAIT_MS — one line', async () => {
    const o = await dsbot(['bot'], { REDIS_URL: 'redis://127.0.0.1:1', DSBOT_REDIS_WAIT_MS: '1500', SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's' });
    expectOneClearLine(o, /^dsbot: No Redis answers at redis:\/\/127\.0\.0\.1:1 .* after 2 s\./);
  }, 60_000);

  it('a misspelled key in the config file — one line naming it and the fix', async () => {
    const o = await dsbot(['worker'], { REDIS_URL, DSBOT_CONFIG: 'dsbot.yaml' }, { 'dsbot.yaml': 'modle:\n  provider: anthropic\n' });
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('modle: unknown setting; did you mean model?');
    expect(o.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('.env in the working directory is read (its REDIS_URL is the one tried)', async () => {
    const o = await dsbot(['worker'], {}, { '.env': 'REDIS_URL=redis://127.0.0.1:2\n' });
    expectOneClearLine(o, /No Redis answers at redis:\/\/127\.0\.0\.1:2 /);
  }, 60_000);

  it('bot: Slack rejects the token (invalid_auth) — one line, no stack', async () => {
    const slack = await startFakeSlack();
    try {
      const o = await dsbot(['bot'], { REDIS_URL, DSBOT_CONFIG: 'dsbot.yaml', SLACK_BOT_TOKEN: 'xoxb-revoked', SLACK_SIGNING_SECRET: 's' }, { 'dsbot.yaml': configYaml({ slack: { apiUrl: slack.apiUrl, port: 39_871 } }) });
      expectOneClearLine(o, /^dsbot: Checking the Slack bot token \(auth\.test\): Slack rejected the bot token\. Check SLACK_BOT_TOKEN .*\(invalid_auth\)$/);
    } finally {
      await slack.close();
    }
  }, 60_000);

  it('bot: Discord rejects the token (close 4004) — one line, no stack', async () => {
    const discord = await startFakeDiscord({ closeOnIdentify: 4004 });
    try {
      const o = await dsbot(['bot'], { REDIS_URL, DSBOT_CONFIG: 'dsbot.yaml', DISCORD_BOT_TOKEN: 'bad' }, { 'dsbot.yaml': configYaml({ discord: { apiUrl: discord.apiUrl } }) });
      expectOneClearLine(o, /^dsbot: Discord login failed: Discord rejected the bot token \(close 4004\)\. Check DISCORD_BOT_TOKEN\.$/);
    } finally {
      await discord.close();
    }
  }, 60_000);
});
