/**
 * Prompt templates (src/agent/prompts/*.yaml) and the injection guard: anything that comes
 * from the data reaches the model only inside an <untrusted-data> block, truncated, with the
 * block's own delimiters neutralised so a cell cannot close it (DESIGN.md decision 8).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export type PromptName = 'system' | 'task' | 'plan' | 'adapt' | 'change' | 'no_code' | 'refused_final' | 'memory_recipe' | 'memory_insights';

let cached: Record<PromptName, string> | undefined;

/** The code agent's templates, parsed once. */
export function codeAgentPrompts(): Record<PromptName, string> {
  cached ??= parseYaml(readFileSync(fileURLToPath(new URL('./prompts/code-agent.yaml', import.meta.url)), 'utf8'));
  return cached!;
}

/** Fills `{{name}}` placeholders. Unknown placeholders are an error in our templates. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`prompt placeholder {{${k}}} has no value`);
    return String(values[k]);
  });
}

/**
 * Quotes data for a prompt: truncated to `maxChars`, with anything that looks like our block
 * delimiters escaped, inside one <untrusted-data> block labelled with where it came from.
 */
export function untrusted(source: string, text: string, maxChars = 6000): string {
  let body = text.length > maxChars ? `${text.slice(0, maxChars)}\n[truncated ${text.length - maxChars} chars]` : text;
  // Any `<` that could start one of our tags, whatever the case, spacing or separator.
  body = body.replace(/<(?=[\s/]*untrusted[\s_-]*data)/gi, '&lt;');
  return `<untrusted-data source="${source.replace(/[^\w.:-]/g, '_')}">\n${body}\n</untrusted-data>`;
}
