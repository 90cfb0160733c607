/**
 * Markdown (what the worker and the chat agent write) to Slack mrkdwn. `&`, `<` and `>` are
 * escaped first, so text quoting data (`<!channel>`, `<@U123>`) can never ping anyone
 * (DESIGN.md decision 8); then markdown bold, links and headings become mrkdwn, and tables
 * (which Slack does not render) become aligned monospace blocks. Code fences and inline code
 * are escaped but otherwise left as they are.
 */
import { escapeMrkdwn } from './blocks.js';

/** Converts markdown to safe Slack mrkdwn. */
export function toMrkdwn(markdown: string): string {
  const withTables = splitFences(markdown)
    .map((part, i) => (i % 2 === 1 ? part : tablesToCode(part)))
    .join('');
  return splitFences(withTables)
    .map((part, i) => (i % 2 === 1 ? escapeMrkdwn(part) : convertProse(part)))
    .join('');
}

/** Splits text into prose (even indexes) and fenced code blocks (odd indexes). */
function splitFences(text: string): string[] {
  return text.split(/(```[\s\S]*?(?:```|$))/);
}

const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/** Markdown tables → fenced, column-aligned text (Slack shows `|a|b|` tables as raw pipes). */
export function tablesToCode(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && TABLE_ROW.test(lines[j])) j++;
    if (j - i >= 2 && TABLE_RULE.test(lines[i + 1])) {
      out.push('```', ...alignTable(lines.slice(i, j).filter((l) => !TABLE_RULE.test(l))), '```');
      i = j;
    } else {
      out.push(lines[i]);
      i++;
    }
  }
  return out.join('\n');
}

function alignTable(rows: string[]): string[] {
  const cells = rows.map((r) => r.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim().replace(/`/g, '')));
  const widths: number[] = [];
  for (const row of cells) row.forEach((c, k) => (widths[k] = Math.max(widths[k] ?? 0, [...c].length)));
  return cells.map((row) => row.map((c, k) => c + ' '.repeat(widths[k] - [...c].length)).join('  ').trimEnd());
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
