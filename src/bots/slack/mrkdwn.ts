/**
 * Markdown (what the worker and the chat agent write) to Slack mrkdwn. `&`, `<` and `>` are
 * escaped first, so text quoting data (`<!channel>`, `<@U123>`) can never ping anyone
 * (DESIGN.md decision 8); then markdown bold, links and headings become mrkdwn. Code fences
 * and inline code are escaped but otherwise left as they are.
 */
import { escapeMrkdwn } from './blocks.js';

/** Converts markdown to safe Slack mrkdwn. */
export function toMrkdwn(markdown: string): string {
  return markdown
    .split(/(```[\s\S]*?(?:```|$))/)
    .map((part, i) => (i % 2 === 1 ? escapeMrkdwn(part) : convertProse(part)))
    .join('');
}

function convertProse(text: string): string {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? escapeMrkdwn(part) : convertInline(escapeMrkdwn(part))))
    .join('');
}

function convertInline(text: string): string {
  return text
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, (_m, label: string, url: string) => `<${url}|${label.replace(/\|/g, '¦')}>`)
    .replace(/\*\*([^*\n]+)\*\*/g, '*$1*')
    .replace(/__([^_\n]+)__/g, '_$1_')
    .replace(/~~([^~\n]+)~~/g, '~$1~')
    .replace(/^#{1,6}\s+(.+)$/gm, '*$1*');
}
