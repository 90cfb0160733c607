/** Which platforms `dsbot bot` creates: by the tokens present; none → a config error naming the variables. */
import { describe, expect, it } from 'vitest';
import { createPlatforms, enabledPlatforms } from '../../src/bots/platforms.js';
import { loadConfig } from '../../src/config/load.js';

describe('platforms from tokens', () => {
  it('none configured: a config error that names the variables and the demo', () => {
    const config = loadConfig({ env: {} });
    expect(enabledPlatforms(config)).toEqual([]);
    let err: unknown;
    try {
      createPlatforms(config);
    } catch (e) {
      err = e;
    }
    expect((err as { kind?: string }).kind).toBe('config');
    expect((err as Error).message).toMatch(/SLACK_BOT_TOKEN.*DISCORD_BOT_TOKEN.*dsbot demo/s);
  });

  it('creates Slack and Discord when both tokens are set (not connected until start)', async () => {
    const config = loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret', DISCORD_BOT_TOKEN: 'discord-test' } });
    expect(enabledPlatforms(config)).toEqual(['slack', 'discord']);
    const platforms = createPlatforms(config);
    expect(platforms.map((p) => p.name)).toEqual(['slack', 'discord']);
    for (const p of platforms) await p.stop();
  });
});
