/** raiseForHostCell: a host cell the sandbox killed says why, in the sandbox's own words. */
import { describe, expect, it } from 'vitest';
import { raiseForHostCell } from '../../src/agent/kernel-calls.js';

describe('raiseForHostCell', () => {
  it('a kill carries the sandbox note (the disk quota names its setting)', () => {
    const r = {
      stdout: '', durationMs: 1200, hasFinalAnswer: false, stateLost: true, killed: 'disk-quota' as const,
      stderr: 'partial output\n[dsbot: the work dir passed its quota of 64 MiB (sandbox.local.workDirMb), so the kernel was stopped; 12 MiB remain. The kernel state was lost.]',
    };
    expect(() => raiseForHostCell('replaying chunk 3', r)).toThrow(/killed \(disk-quota\) after 1200 ms\. \[dsbot: the work dir passed its quota of 64 MiB \(sandbox\.local\.workDirMb\)/);
  });
});
