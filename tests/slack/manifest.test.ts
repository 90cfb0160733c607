import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.js';
import { createSlackPlatform } from '../../src/bots/slack/platform.js';

describe('slack/manifest.yml', () => {
  const manifest = parse(readFileSync(new URL('../../slack/manifest.yml', import.meta.url), 'utf8'));

  it('declares what the platform listens to and the scopes its calls need', () => {
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/dsbot']);
    expect(manifest.features.slash_commands[0].url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.event_subscriptions.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['app_mention', 'message.channels', 'message.groups', 'message.im', 'reaction_added']),
    );
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['app_mentions:read', 'chat:write', 'commands', 'channels:history', 'im:history', 'reactions:read', 'files:read', 'files:write']),
    );
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('turns on interactivity (run buttons) and the Home tab (recent runs)', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
  });

  it('refuses to start without the settings it needs, naming them', () => {
    expect(() => createSlackPlatform(configSchema.parse({}))).toThrow(/SLACK_BOT_TOKEN/);
    expect(() => createSlackPlatform(configSchema.parse({ slack: { botToken: 'xoxb-1' } }))).toThrow(/SLACK_SIGNING_SECRET.*SLACK_APP_TOKEN/);
    expect(createSlackPlatform(configSchema.parse({ slack: { botToken: 'xoxb-1', appToken: 'xapp-1' } })).mode).toBe('socket');
  });
});
