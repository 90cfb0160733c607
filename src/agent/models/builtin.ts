/**
 * The builtin model (DESIGN.md decision 5): a deterministic policy that drives the same
 * code-agent loop as an LLM, with the toolkit: reuse a remembered recipe when one is offered,
 * else profile → suggested recipe → check on the sample → final answer. For chat it answers
 * nothing by itself (the chat agent's builtin path answers from the profile).
 *
 * A remembered recipe is data (DESIGN.md decision 10): the policy takes the JSON steps from the
 * task's `remembered-recipe` block, validates them again (known ops, plain JSON) and rebuilds
 * them in the kernel with make_clean_chunk(json.loads(…)); the draft must then pass the same
 * sample check as a fresh one. No remembered text is ever run as code.
 */
import { recipeCell, validateRecipe } from '../recipe-data.js';
import type { ChatMessage, ModelProvider, ModelRequest, ModelResponse } from './types.js';

/** The block run.ts puts the remembered recipe in (src/agent/prompt.ts escapes this tag inside other blocks). */
const REMEMBERED_BLOCK = /<untrusted-data source="remembered-recipe">\n([\s\S]*?)\n<\/untrusted-data>/;

const FRESH_RECIPE = [
  'RECIPE = suggest_recipe(profile())',
  'clean_chunk = make_clean_chunk(RECIPE)',
  'print(describe_recipe(RECIPE))',
  'print(check_clean_chunk())',
].join('\n');

const FINAL = [
  'document_learning_insights(recipe_insights(RECIPE), ["recipe", "builtin"])',
  'final_answer(describe_recipe(RECIPE))',
].join('\n');

/** Messages since the last task/adapt prompt: the current episode of steps. */
function episode(messages: ChatMessage[]): { start: ChatMessage | undefined; replies: string[]; lastObservation: string } {
  let startIdx = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'user' && (m.content.includes('Whole-file profile:') || m.content.includes('failed validation while the host replayed'))) {
      startIdx = i;
      break;
    }
  }
  const after = messages.slice(startIdx + 1);
  const replies = after.filter((m) => m.role === 'assistant' && m.content.includes('```py')).map((m) => m.content);
  const lastUser = [...after].reverse().find((m) => m.role === 'user');
  return { start: messages[startIdx], replies, lastObservation: lastUser?.content ?? '' };
}

/** check_clean_chunk() prints as `validation PASSED …` or `validation FAILED …` (src/agent/run-glue.py). */
function passed(observation: string): boolean {
  return observation.includes('validation PASSED') && !observation.includes('validation FAILED');
}

function decide(request: ModelRequest): string {
  if (request.purpose === 'plan') {
    return 'Plan:\n1. Reuse a remembered recipe for this schema if one is offered, else build one from the whole-file profile.\n2. Check clean_chunk on the sample.\n3. Record what was learned and finish.';
  }
  const { start, replies, lastObservation } = episode(request.messages);
  const n = replies.length;
  const adapting = start?.content.includes('failed validation while the host replayed') ?? false;
  if (n === 0) {
    if (adapting) {
      const chunk = /load_chunk\((\d+)\)/.exec(start!.content)?.[1] ?? '0';
      return `Thought: The recipe is built from the whole-file profile; rebuild it and check it on chunk ${chunk}.\n\`\`\`py\nRECIPE = suggest_recipe(profile())\nclean_chunk = make_clean_chunk(RECIPE)\nprint(check_clean_chunk(load_chunk(${chunk})))\n\`\`\``;
    }
    const block = start ? REMEMBERED_BLOCK.exec(start.content)?.[1] : undefined;
    const remembered = block ? validateRecipe(block) : undefined;
    if (remembered?.ok) {
      return `Thought: A recipe for this schema worked before; rebuild it from its JSON steps and check it on the sample.\n\`\`\`py\n${recipeCell(remembered.steps)}\nprint(describe_recipe(RECIPE))\nprint(check_clean_chunk())\n\`\`\``;
    }
    return `Thought: Build the recipe from the whole-file profile and check it on the sample.\n\`\`\`py\n${FRESH_RECIPE}\n\`\`\``;
  }
  if (lastObservation.includes('final_answer was not accepted') || (!passed(lastObservation) && n === 1 && !adapting)) {
    // The remembered recipe (or the first try) did not pass: rebuild from this file's profile.
    if (n >= 3) return `Thought: The checks still fail; finish and let the host report the failing checks.\n\`\`\`py\n${FINAL}\n\`\`\``;
    return `Thought: The check did not pass; rebuild the recipe from this file's profile.\n\`\`\`py\n${FRESH_RECIPE}\n\`\`\``;
  }
  return `Thought: The recipe passes its checks. Record the insight and finish.\n\`\`\`py\n${FINAL}\n\`\`\``;
}

export function createBuiltinModel(): ModelProvider {
  return {
    name: 'builtin',
    model: 'builtin',
    contextWindow: 1_000_000,
    async complete(request): Promise<ModelResponse> {
      const text = request.purpose === 'chat' ? '' : decide(request);
      return { text, usage: { inputTokens: 0, outputTokens: 0 }, model: 'builtin' };
    },
  };
}
