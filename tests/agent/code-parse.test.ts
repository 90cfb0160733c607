import { describe, expect, it } from 'vitest';
import { parseCodeReply } from '../../src/agent/code-parse.js';

describe('parseCodeReply', () => {
  it('reads ```py and ```python fences and keeps the thought', () => {
    expect(parseCodeReply('Thought: look first\n```py\nprint(1)\n```')).toEqual({ thought: 'look first', code: 'print(1)' });
    expect(parseCodeReply('ok\n```python\nx = 1\nprint(x)\n```\n')).toEqual({ thought: 'ok', code: 'x = 1\nprint(x)' });
  });

  it('joins several blocks and reads bare fences', () => {
    expect(parseCodeReply('a\n```\nx = 1\n```\nthen\n```py\ny = 2\n```').code).toBe('x = 1\n\ny = 2');
  });

  it('reads <code> tags, smolagents end markers and a bare Code: block', () => {
    expect(parseCodeReply('Thought: t\n<code>\n  a = 1\n  b = 2\n</code>').code).toBe('a = 1\nb = 2');
    expect(parseCodeReply('Thought: t\nCode:\n```py\nz = 3\n```<end_code>').code).toBe('z = 3');
    expect(parseCodeReply('Thought: t\nCode:\nprint("hi")\n')).toEqual({ thought: 't', code: 'print("hi")' });
  });

  it('returns null code when there is none', () => {
    expect(parseCodeReply('I think the data is fine.')).toEqual({ thought: 'I think the data is fine.', code: null });
    expect(parseCodeReply('```py\n\n```').code).toBeNull();
  });
});
