/**
 * A test double of exactly the e2b SDK surface E2BSandbox uses (E2BSandboxLike). Files live
 * under a host directory; commands run as local child processes, so the real kernel runs and
 * the same contract suite applies. It has no network namespace and no resource limits.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { E2BConnect, E2BSandboxLike } from '../../src/sandbox/e2b.js';

export interface FakeE2BRecord {
  /** Templates and options `connect` was called with. */
  connects: { template: string; opts: { apiKey?: string; domain?: string; timeoutMs: number } }[];
  /** Commands started. */
  commands: string[];
  /** Whether the sandbox was killed. */
  killed: boolean;
  /** Live processes by pid. */
  processes: Map<number, ChildProcessWithoutNullStreams>;
}

/** A connect function whose sandboxes keep every file under `root` (paths must stay inside it). */
export function fakeE2B(root: string): { connect: E2BConnect; record: FakeE2BRecord } {
  const record: FakeE2BRecord = { connects: [], commands: [], killed: false, processes: new Map() };
  const inside = (p: string) => {
    const rel = path.relative(root, path.resolve(p));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`fake e2b: ${p} is outside the sandbox root ${root}`);
    return path.resolve(p);
  };
  const sandbox: E2BSandboxLike = {
    files: {
      async write(p, data) {
        const abs = inside(p);
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, typeof data === 'string' ? data : Buffer.from(data));
        return { path: abs };
      },
      async read(p) {
        return new Uint8Array(await readFile(inside(p)));
      },
      async makeDir(p) {
        await mkdir(inside(p), { recursive: true });
        return true;
      },
    },
    commands: {
      async run(cmd, opts) {
        record.commands.push(cmd);
        // Like E2B: `envs` are added to the sandbox's default environment (a bare PATH here).
        const env = { PATH: '/usr/bin:/bin', ...opts.envs };
        const child = spawn('sh', ['-c', cmd], { cwd: opts.cwd, env, detached: true, stdio: 'pipe' });
        await new Promise<void>((resolve, reject) => (child.once('spawn', resolve), child.once('error', reject)));
        const pid = child.pid!;
        record.processes.set(pid, child);
        child.stdout.setEncoding('utf8').on('data', (d: string) => opts.onStdout(d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => opts.onStderr(d));
        child.stdin.on('error', () => undefined);
        const done = new Promise<{ exitCode: number }>((resolve, reject) => {
          child.once('close', (code, signal) => {
            record.processes.delete(pid);
            const exitCode = code ?? (signal ? 137 : 1);
            // Like the SDK: a non-zero exit rejects with an error carrying exitCode (CommandExitError).
            if (exitCode === 0) resolve({ exitCode });
            else reject(Object.assign(new Error(`exit status ${exitCode}`), { exitCode }));
          });
        });
        done.catch(() => undefined);
        return { pid, wait: () => done };
      },
      async sendStdin(pid, data) {
        const child = record.processes.get(pid);
        if (!child) throw new Error(`fake e2b: no process ${pid}`);
        await new Promise<void>((resolve, reject) => child.stdin.write(data, (err) => (err ? reject(err) : resolve())));
      },
      async kill(pid) {
        if (!record.processes.has(pid)) return false;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          return false;
        }
        return true;
      },
    },
    async kill() {
      record.killed = true;
      for (const pid of record.processes.keys()) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      return true;
    },
  };
  return {
    record,
    connect: async (template, opts) => {
      record.connects.push({ template, opts });
      return sandbox;
    },
  };
}
