/** E2BSandbox beyond the contract: what it asks the SDK for, and its errors. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxSchema } from '../../src/config/schema.js';
import { SandboxError } from '../../src/errors.js';
import { E2BSandbox } from '../../src/sandbox/e2b.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { LocalSandbox } from '../../src/sandbox/local.js';
import { fakeE2B } from './fake-e2b.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dsbot-e2b-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const e2bConfig = (e2b: Record<string, unknown> = {}) => sandboxSchema.parse({ kind: 'e2b', e2b: { python: '/usr/bin/python3', apiKey: 'k-123', template: 'tpl-pandas', ...e2b } });

describe('E2BSandbox', () => {
  it('creates the configured template, uploads kernel, inputs and packages, and kills the sandbox on close', async () => {
    const fake = fakeE2B(root);
    await mkdir(path.join(root, 'host', 'pkg', 'sub'), { recursive: true });
    await writeFile(path.join(root, 'host', 'pkg', '__init__.py'), 'from .sub import mod\n');
    await writeFile(path.join(root, 'host', 'pkg', 'sub', '__init__.py'), '');
    await writeFile(path.join(root, 'host', 'pkg', 'sub', 'mod.py'), 'ANSWER = 42\n');
    await writeFile(path.join(root, 'host', 'x.csv'), 'v\n5\n');
    const sb = new E2BSandbox(e2bConfig({ timeoutMs: 99_000 }), { connect: fake.connect, root: path.join(root, 'vm') });
    await sb.start({
      workDir: '/ignored',
      inputs: [{ hostPath: path.join(root, 'host', 'x.csv'), name: 'x.csv' }],
      pythonPackages: [{ hostDir: path.join(root, 'host', 'pkg'), name: 'pkg' }],
    });
    expect(fake.record.connects).toEqual([{ template: 'tpl-pandas', opts: { apiKey: 'k-123', domain: undefined, timeoutMs: 99_000 } }]);
    expect(fake.record.commands[0]).toBe(`/usr/bin/python3 ${path.join(root, 'vm')}/kernel.py`);
    const r = await sb.exec(`import pkg\nprint(pkg.mod.ANSWER, open(${JSON.stringify(`${sb.paths.data}/x.csv`)}).read().split()[1])`);
    expect(r.stdout).toBe('42 5\n');
    await sb.writeFile('a/b.txt', Buffer.from('bytes'));
    expect((await sb.exec('print(open("a/b.txt").read())')).stdout).toBe('bytes\n');
    await sb.close();
    await sb.close();
    expect(fake.record.killed).toBe(true);
    expect(fake.record.processes.size).toBe(0);
  });

  it('without a key, says to set E2B_API_KEY (real SDK path, no network call)', async () => {
    const sb = new E2BSandbox(sandboxSchema.parse({ kind: 'e2b' }));
    await expect(sb.start({ workDir: '/x' })).rejects.toThrow(/E2B_API_KEY/);
  });

  it('wraps connection failures as SandboxError', async () => {
    const sb = new E2BSandbox(e2bConfig(), { connect: async () => Promise.reject(new Error('401 unauthorized')) });
    const err = await sb.start({ workDir: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as Error).message).toContain('401 unauthorized');
  });
});

describe('createSandbox', () => {
  it('picks the implementation from sandbox.kind and fills nested defaults', () => {
    expect(createSandbox(sandboxSchema.parse({}))).toBeInstanceOf(LocalSandbox);
    expect(createSandbox(sandboxSchema.parse({ kind: 'e2b' })).kind).toBe('e2b');
  });
});
