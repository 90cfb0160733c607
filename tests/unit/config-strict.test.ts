/** Config files refuse unknown settings ("did you mean …"); `.env` is read at start, the environment winning. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../src/config/env.js';
import { findUnknownKeys } from '../../src/config/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';

function yamlFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dsbot-cfg-')), 'dsbot.yaml');
  writeFileSync(file, text);
  return file;
}

describe('unknown settings', () => {
  it('a misspelled top-level key is refused with the file and the nearest setting', () => {
    const file = yamlFile('modle:\n  provider: anthropic\n');
    expect(() => loadConfig({ env: { DSBOT_CONFIG: file } })).toThrow(`Unknown setting in ${file}:\n  - modle: unknown setting; did you mean model?`);
  });

  it('nested keys, dataset entries and keys put in the wrong section are caught too', () => {
    const raw = {
      agent: { chunkRow: 10, outliers: 'flag' },
      datasets: { sales: { path: 'x.csv', dictonary: 'd.txt' } },
      chunkRows: 5,
      queue: { concurrency: 2 },
      observability: { dashboard: { tokn: 'x' } },
      zzzzzz: 1,
    };
    expect(findUnknownKeys(raw, configSchema)).toEqual([
      { path: 'agent.chunkRow', suggestion: 'agent.chunkRows' },
      { path: 'datasets.sales.dictonary', suggestion: 'datasets.sales.dictionary' },
      { path: 'chunkRows', suggestion: 'agent.chunkRows' },
      { path: 'observability.dashboard.tokn', suggestion: 'observability.dashboard.token' },
      { path: 'zzzzzz', suggestion: undefined },
    ]);
  });

  it('every key of the shipped config/default.yaml is known', () => {
    expect(() => loadConfig({ env: {} })).not.toThrow();
  });

  it('overrides are checked as well', () => {
    expect(() => loadConfig({ env: {}, overrides: { sandbox: { cellTimeoutMS: 5 } } })).toThrow(/sandbox\.cellTimeoutMS: unknown setting; did you mean sandbox\.cellTimeoutMs\?/);
  });
});

describe('observability settings from the environment', () => {
  it('reads the OTLP endpoint, HTTP port, dashboard token and public URL', () => {
    const c = loadConfig({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=abc',
        DSBOT_HTTP_PORT: '9999',
        DSBOT_DASHBOARD_TOKEN: 'a-token-of-20-chars!',
        DSBOT_DASHBOARD_READ_ONLY: 'false',
        DSBOT_PUBLIC_URL: 'https://dsbot.example.com',
      },
    });
    expect(c.observability).toMatchObject({
      otlpEndpoint: 'http://127.0.0.1:4318',
      otlpHeaders: 'x-honeycomb-team=abc',
      http: { port: 9999, host: '0.0.0.0' },
      dashboard: { token: 'a-token-of-20-chars!', readOnly: false, publicUrl: 'https://dsbot.example.com' },
    });
    const defaults = loadConfig({ env: {} }).observability;
    expect(defaults.otlpEndpoint).toBeUndefined();
    expect(defaults.dashboard).toEqual({ readOnly: true });
  });

  it('refuses a port that is not a number, a short token and a bad boolean, naming each setting', () => {
    expect(() => loadConfig({ env: { DSBOT_HTTP_PORT: 'abc' } })).toThrow(/observability\.http\.port/);
    expect(() => loadConfig({ env: { DSBOT_DASHBOARD_TOKEN: 'short' } })).toThrow(/observability\.dashboard\.token: use at least 16 characters/);
    expect(() => loadConfig({ env: { DSBOT_DASHBOARD_READ_ONLY: 'maybe' } })).toThrow(/observability\.dashboard\.readOnly/);
  });
});

describe('.env', () => {
  it('is read from the working directory; variables already set win', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-env-'));
    writeFileSync(path.join(dir, '.env'), '# comment\nREDIS_URL=redis://10.0.0.9:6379\nDSBOT_MODEL="from-file"\nSLACK_BOT_TOKEN=xoxb-file\n');
    const env: NodeJS.ProcessEnv = { SLACK_BOT_TOKEN: 'xoxb-env' };
    const r = loadDotEnv({ cwd: dir, env });
    expect(r.file).toBe(path.join(dir, '.env'));
    expect(r.loaded.sort()).toEqual(['DSBOT_MODEL', 'REDIS_URL']);
    expect(env).toMatchObject({ REDIS_URL: 'redis://10.0.0.9:6379', DSBOT_MODEL: 'from-file', SLACK_BOT_TOKEN: 'xoxb-env' });
    expect(loadConfig({ env }).queue.redisUrl).toBe('redis://10.0.0.9:6379');
  });

  it('no .env: nothing happens; a missing DSBOT_ENV_FILE is an error naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-env-'));
    expect(loadDotEnv({ cwd: dir, env: {} })).toEqual({ loaded: [] });
    expect(() => loadDotEnv({ cwd: dir, env: { DSBOT_ENV_FILE: 'prod.env' } })).toThrow(/DSBOT_ENV_FILE points to .*prod\.env, which does not exist/);
  });
});
