/**
 * Issue 12 (the kernel is an adversary): a kernel writing one endless protocol line must not grow
 * the host's memory without bound, nor make each read rescan everything before it.
 */
import { describe, expect, it } from 'vitest';
import { LineDecoder, type KernelMessage } from '../../src/sandbox/kernel-protocol.js';

describe('kernel protocol lines', () => {
  it('drops a line longer than the cap, keeps memory bounded, and reads the next line normally', () => {
    const messages: KernelMessage[] = [];
    const junk: string[] = [];
    const cap = 1 << 20;
    const d = new LineDecoder((m) => messages.push(m), (l) => junk.push(l.slice(0, 80)), cap);
    const block = 'x'.repeat(64 * 1024);
    let peak = 0;
    for (let i = 0; i < 64 * 4; i++) {
      // 16 MiB of one line, 64 KiB at a time
      d.push(block);
      peak = Math.max(peak, (d as unknown as { buffer: string }).buffer.length);
    }
    d.push('tail of the long line\n{"type":"ready","pid":1}\n');
    expect(peak).toBeLessThanOrEqual(cap + block.length);
    expect(junk).toEqual([`[a kernel line longer than ${cap} characters was dropped]`]);
    expect(messages).toEqual([{ type: 'ready', pid: 1 }]);
  });

  it('still splits ordinary lines across chunks', () => {
    const messages: KernelMessage[] = [];
    const d = new LineDecoder((m) => messages.push(m), () => {});
    d.push('{"type":"resu');
    d.push('lt","id":"a"}\n{"type":"ready"}');
    d.push('\n');
    expect(messages.map((m) => m.type)).toEqual(['result', 'ready']);
  });
});
