/**
 * Splits a code-agent reply into its thought and its Python code. Tolerates the formats
 * local models produce: ```py / ```python / bare ``` fences, <code>…</code>, and a bare
 * `Code:` block. A reply without code is the model's mistake: `code` is null and the loop
 * turns that into an observation.
 */

export interface ParsedReply {
  /** Prose before the first code block (or the whole reply when there is no code). */
  thought: string;
  /** The Python to run; several blocks are joined in order. Null when none was found. */
  code: string | null;
}

const FENCE = /```[ \t]*(?:py|python|python3|Python)?[ \t]*\r?\n([\s\S]*?)```/g;
const CODE_TAG = /<code>([\s\S]*?)<\/code>/gi;
const END_MARKERS = /<end_code>|<\/end_code>/g;

function dedent(code: string): string {
  const lines = code.replace(/\t/g, '    ').split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length);
  const min = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(min)).join('\n').trim();
}

function firstIndex(text: string, re: RegExp): number {
  re.lastIndex = 0;
  const m = re.exec(text);
  return m ? m.index : -1;
}

export function parseCodeReply(reply: string): ParsedReply {
  const text = reply.replace(END_MARKERS, '');
  for (const re of [FENCE, CODE_TAG]) {
    re.lastIndex = 0; // matchAll starts at the shared regex's lastIndex
    const blocks = [...text.matchAll(re)].map((m) => dedent(m[1])).filter(Boolean);
    if (blocks.length) {
      const at = firstIndex(text, re);
      return { thought: cleanThought(text.slice(0, at)), code: blocks.join('\n\n') };
    }
  }
  // A bare "Code:" block: everything after the marker (until a blank line followed by prose is not
  // reliably detectable, so take the rest).
  const bare = /(^|\n)\s*Code:\s*\n([\s\S]+)$/.exec(text);
  if (bare && bare[2].trim()) {
    return { thought: cleanThought(text.slice(0, bare.index)), code: dedent(bare[2]) };
  }
  return { thought: cleanThought(text), code: null };
}

function cleanThought(s: string): string {
  return s.replace(/^\s*Thought:\s*/i, '').replace(/\s*Code:\s*$/i, '').trim();
}
