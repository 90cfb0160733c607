import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

describe('config', () => {
  it('loads the defaults with no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.model.provider).toBe('builtin');
    expect(config.sandbox.kind).toBe('local');
    expect(Object.keys(config.datasets)).toEqual(['turtle_reviews', 'turtle_sales']);
    expect(config.datasets.turtle_reviews.path).toMatch(/data\/turtle\/turtle_reviews\.csv$/);
  });

  it('names the setting and the fix when a value is wrong', () => {
    expect(() => loadConfig({ env: {}, overrides: { queue: { concurrency: 0 } } })).toThrow(/queue\.concurrency/);
    expect(() => loadConfig({ env: { DSBOT_MODEL_PROVIDER: 'anthropic' } })).toThrow(/ANTHROPIC_API_KEY/);
  });

  it('picks a provider from the key present', () => {
    const config = loadConfig({ env: { OPENAI_API_KEY: 'sk-test' } });
    expect(config.model.provider).toBe('openai-compatible');
    expect(config.model.apiKey).toBe('sk-test');
  });
});

describe('config defaults', () => {
  it('fills nested defaults of sections the YAML leaves out', () => {
    const config = loadConfig({ env: {} });
    expect(config.sandbox.local.memoryMb).toBe(2048);
    expect(config.sandbox.e2b.template).toBeTruthy();
    expect(config.slack.port).toBe(3000);
    expect(config.queue.lockDurationMs).toBeGreaterThan(0);
  });

  it('replays with two processes unless agent.processes says 1 (and refuses other counts)', () => {
    expect(loadConfig({ env: {} }).agent.processes).toBe(2);
    expect(loadConfig({ env: {}, overrides: { agent: { processes: 1 } } }).agent.processes).toBe(1);
    expect(() => loadConfig({ env: {}, overrides: { agent: { processes: 3 } } })).toThrow(/agent\.processes/);
  });
});
