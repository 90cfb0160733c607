/** `dsbot ask "…"`: one chat-mode question from the shell (the same chat agent the bots use). */
import type { Command } from 'commander';
import { createChatAgent } from '../agent/chat/index.js';
import { loadConfig } from '../config/load.js';
import { toDsbotError } from '../errors.js';
import { createKnowledgeStore } from '../knowledge/index.js';
import { MemoryKnowledgeStore } from '../knowledge/memory-store.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import { logger } from '../observability/logger.js';

export function registerAskCommand(program: Command): void {
  program
    .command('ask')
    .description('Ask a question about the datasets (chat mode, read-only tools)')
    .argument('<question...>', 'the question, e.g. "which columns have missing values in turtle_sales?"')
    .action(async (words: string[]) => {
      const question = words.join(' ').trim();
      let knowledge: KnowledgeStore | undefined;
      try {
        const config = loadConfig();
        knowledge = await createKnowledgeStore(config).catch((err) => {
          logger.warn(`dsbot: knowledge store unavailable (${(err as Error).message}); answering without it.`);
          return new MemoryKnowledgeStore();
        });
        const agent = createChatAgent(config, { knowledge });
        try {
          const answer = await agent.answer({ threadRef: 'console:ask', userId: 'cli', text: question });
          console.log(answer.text);
          // No answer at all (the model returned nothing) is a failure for scripts.
          if (answer.failed) process.exitCode = 1;
        } finally {
          await agent.close?.();
        }
      } catch (err) {
        const e = toDsbotError(err);
        console.error(`dsbot: ${e.message}`);
        process.exitCode = e.kind === 'input' || e.kind === 'config' ? 2 : 1;
      } finally {
        await knowledge?.close();
      }
    });
}
