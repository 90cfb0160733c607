/**
 * Opt-in: a cleaning run and a chat question with a real model. Runs only with
 * DSBOT_LIVE_TESTS=1 and ANTHROPIC_API_KEY or OPENAI_API_KEY (or DSBOT_MODEL_BASE_URL for a local
 * server such as Ollama); skipped otherwise (CI).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createChatAgent } from '../../src/agent/chat/index.js';
import { createModel } from '../../src/agent/models/index.js';
import { loadConfig, PROJECT_ROOT } from '../../src/config/load.js';
import { runOnce } from '../helpers/run-harness.js';

const live = process.env.DSBOT_LIVE_TESTS === '1' && Boolean(process.env.ANTHROPIC_API_KEY || process.env.OPENAI_API_KEY || process.env.DSBOT_MODEL_BASE_URL);

describe.skipIf(!live)('live model (opt-in)', () => {
  const config = () => loadConfig({ overrides: { knowledge: { kind: 'memory' } } });

  it('cleans turtle_sales with the configured model', async () => {
    const c = config();
    const { finished } = await runOnce(
      { runId: `live-${Date.now()}`, inputPath: path.join(PROJECT_ROOT, 'data/turtle/turtle_sales.csv'), dictionaryPath: path.join(PROJECT_ROOT, 'data/turtle/metadata_turtle_games.txt') },
      { config: c, model: createModel(c.model) },
    );
    expect(finished.status).toBe('succeeded');
    expect(finished.summary!.rowsOut + finished.summary!.rowsRemoved).toBe(352);
    expect(finished.summary!.modelCalls).toBeGreaterThan(0);
  }, 600_000);

  it('answers a question about the data', async () => {
    const agent = createChatAgent(config());
    try {
      const a = await agent.answer({ threadRef: 'console:live', userId: 'u', text: 'Which columns of turtle_sales have missing values?' });
      expect(a.text).toMatch(/Year/);
    } finally {
      await agent.close?.();
    }
  }, 300_000);
});
