/**
 * Splitting long text for Slack: a section block holds at most 3,000 characters and a message
 * at most 50 blocks (and 40,000 characters of text). Splits fall on line ends where possible,
 * and a code fence cut in two is closed and reopened so both halves render.
 */

/** Largest text of one section block. */
export const SECTION_MAX_CHARS = 3_000;

const FENCE = '```';

/** Splits `text` into pieces of at most `max` characters, preferring line ends, keeping code fences balanced. */
export function splitText(text: string, max: number): string[] {
  if (max < 16) throw new RangeError('splitText: max must be at least 16 characters.');
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let rest = text;
  let reopen = false;
  while (rest.length > 0) {
    const prefix: string = reopen ? `${FENCE}\n` : '';
    const budget = max - prefix.length - (FENCE.length + 1);
    if (prefix.length + rest.length <= max) {
      pieces.push(prefix + rest);
      break;
    }
    let cut = rest.lastIndexOf('\n', budget);
    if (cut < budget / 2) cut = rest.lastIndexOf(' ', budget);
    if (cut < budget / 2) cut = budget;
    let piece: string = prefix + rest.slice(0, cut);
    rest = rest.slice(cut).replace(/^\n/, '');
    const open: boolean = countFences(piece) % 2 === 1;
    if (open) piece += `\n${FENCE}`;
    reopen = open;
    pieces.push(piece);
  }
  return pieces;
}

function countFences(s: string): number {
  let n = 0;
  for (let i = s.indexOf(FENCE); i !== -1; i = s.indexOf(FENCE, i + FENCE.length)) n++;
  return n;
}
