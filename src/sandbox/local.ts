/**
 * LocalSandbox: the kernel in a bubblewrap sandbox on this machine.
 *
 * What it protects against (with bwrap, the default):
 * - network: the kernel has its own empty network namespace (no 127.0.0.1 services, no internet);
 * - host files: only /usr (read-only), the work dir (read-write, /sandbox), the inputs
 *   (read-only, /data) and the Python packages (read-only, /app/lib) exist inside; no /etc, /root,
 *   /home or project directory;
 * - secrets: the environment is cleared (only PATH, HOME, LANG and thread settings are set);
 * - privileges: every capability is dropped; when the host runs as root the kernel runs as an
 *   unprivileged uid of its own (so RLIMIT_NPROC applies and root-owned host files stay read-only);
 *   it cannot create user namespaces (where it would regain every capability): a seccomp filter
 *   refuses unshare/clone with CLONE_NEWUSER and clone3 (seccomp.ts), and on an unprivileged host
 *   bwrap's --disable-userns forbids them too;
 * - runaway cells: CPU seconds, address space (pandas raises MemoryError), processes (fork
 *   bombs), file size (prlimit), wall-clock time per cell (host kills the whole PID namespace),
 *   stdout/stderr size (capped in the kernel);
 * - disk: the work dir has a byte quota (`sandbox.local.workDirMb`, work-dir-quota.ts): past it
 *   the kernel is stopped and what it wrote since the last check removed; /tmp is a private,
 *   writable tmpfs of `sandbox.local.tmpMb` (so libraries do not spill into the work dir);
 * - files planted by the cell: host reads and writes of the work dir never follow symlinks out of
 *   it, nor does the quota's measuring and removing.
 *
 * What it does NOT protect against: Linux kernel exploits through the syscalls still allowed (it
 * is namespaces, rlimits and one seccomp rule, not a VM: use E2B for that), reading anything under
 * /usr, timing and other side channels, a work dir briefly over quota (checked every 250 ms; a
 * burst between checks is removed when caught), the host filling its disk by other means, and CPU
 * contention with other processes. With `sandbox.local.allowUnisolated: true` there is NO
 * isolation at all (rlimits and the work-dir quota only).
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SandboxError } from '../errors.js';
import { sandboxSchema, type SandboxConfig } from '../config/schema.js';
import { KERNEL_PATH } from './kernel-protocol.js';
import { KernelRunner, type KernelIO, type KernelProcess } from './kernel-runner.js';
import { bwrapArgv, kernelEnv, SANDBOX_PATHS, unisolatedArgv } from './local-command.js';
import { noUserNamespacesFilter } from './seccomp.js';
import type { ExecOptions, ExecResult, Sandbox, SandboxPaths, SandboxStartOptions } from './types.js';
import { chownTree, readInside, writeInside } from './work-dir.js';
import { WorkDirQuota } from './work-dir-quota.js';
import { logger } from '../observability/logger.js';

export const INSTALL_BWRAP = 'apt-get install -y bubblewrap';
export const INSTALL_PANDAS = 'apt-get install -y python3-pandas python3-numpy';

/** Extra knobs for LocalSandbox (tests). */
export interface LocalSandboxOptions {
  /** Where the unisolated warning goes; default the process logger (warn). */
  warn?: (message: string) => void;
  /**
   * When the host runs as root: run bubblewrap itself as this unprivileged user, so the sandbox is
   * built as on an unprivileged host (bwrap makes the user namespace). Tests use it to cover that
   * path; the inputs, packages and kernel must be readable by that user.
   */
  spawnAs?: { uid: number; gid: number };
}

/** The fd on which bwrap reads the seccomp filter (0-2 stdio, 3 the info fd). */
const SECCOMP_FD = 4;

const bwrapChecked = new Map<string, string | undefined>();

/** Returns why `bwrap` cannot run, or undefined when it can (cached per executable). */
function bwrapProblem(bwrap: string): string | undefined {
  if (!bwrapChecked.has(bwrap)) {
    const r = spawnSync(bwrap, ['--version'], { encoding: 'utf8', timeout: 5000 });
    bwrapChecked.set(bwrap, r.error ? (r.error as NodeJS.ErrnoException).code ?? r.error.message : r.status === 0 ? undefined : `exit ${r.status}`);
  }
  return bwrapChecked.get(bwrap);
}

function validateName(name: string, what: string): void {
  if (!name || name.includes('/') || name === '.' || name === '..') throw new SandboxError(`${what} name "${name}" must be a bare file name.`);
}

export class LocalSandbox implements Sandbox {
  readonly kind = 'local' as const;
  private currentPaths: SandboxPaths = { work: SANDBOX_PATHS.work, data: SANDBOX_PATHS.data };
  private runner?: KernelRunner;
  private workDir?: string;
  private owner?: { uid: number; gid: number };
  private scratch?: string;
  private closed = false;

  private readonly config: SandboxConfig;

  /** `config` is re-parsed so nested defaults (sandbox.local.*) are always filled in. */
  constructor(
    config: SandboxConfig,
    private readonly options: LocalSandboxOptions = {},
  ) {
    this.config = sandboxSchema.parse(config);
  }

  /** Paths inside the sandbox (/sandbox and /data; host paths when unisolated). */
  get paths(): SandboxPaths {
    return this.currentPaths;
  }

  async start(options: SandboxStartOptions): Promise<void> {
    if (this.runner) throw new SandboxError('This sandbox was already started.');
    const { local, python } = this.config;
    const isolated = !local.allowUnisolated;
    for (const f of options.inputs ?? []) validateName(f.name, 'Input');
    for (const p of options.pythonPackages ?? []) validateName(p.name, 'Python package');
    if (isolated) {
      const problem = bwrapProblem(local.bwrap);
      if (problem) {
        throw new SandboxError(
          `bubblewrap (${local.bwrap}) cannot run (${problem}). Install it: \`${INSTALL_BWRAP}\`. ` +
            'Or set sandbox.local.allowUnisolated: true to run the kernel WITHOUT isolation.',
        );
      }
      if (!python.startsWith('/usr/')) throw new SandboxError(`sandbox.python (${python}) must live under /usr: only /usr is visible inside the sandbox. Use /usr/bin/python3 with \`${INSTALL_PANDAS}\`.`);
    }
    try {
      await access(python, constants.X_OK);
    } catch (err) {
      throw new SandboxError(`Python ${python} (sandbox.python) does not exist. Install it with pandas: \`${INSTALL_PANDAS}\`.`, { cause: err });
    }
    const workDir = path.resolve(options.workDir);
    await mkdir(workDir, { recursive: true });
    this.workDir = workDir;
    const spawnAs = isolated && process.getuid?.() === 0 ? this.options.spawnAs : undefined;
    if (spawnAs) this.owner = spawnAs;
    else if (isolated && process.getuid?.() === 0) {
      const id = 200_000 + Math.floor(Math.random() * 1_000_000);
      this.owner = { uid: id, gid: id };
    }
    const seccomp = isolated ? noUserNamespacesFilter() : undefined;
    if (isolated && !seccomp && !spawnAs && this.owner) {
      throw new SandboxError(`The local sandbox has no seccomp filter for ${process.arch}: as root it cannot keep the kernel out of new user namespaces. Run dsbot as an unprivileged user (bwrap then uses --disable-userns).`);
    }
    for (const f of options.files ?? []) await writeInside(workDir, f.path, f.content);
    if (this.owner) {
      await chownTree(workDir, this.owner);
      // bwrap enters the dir as root without capabilities: it needs the "other" execute bit.
      await chmod(workDir, ((await stat(workDir)).mode & 0o777) | 0o711);
    }

    let argv: string[];
    let cwd = workDir;
    let sysPath: string[] = [SANDBOX_PATHS.lib];
    if (isolated) {
      argv = bwrapArgv({
        bwrap: local.bwrap,
        python,
        kernelPath: KERNEL_PATH,
        workDir,
        inputs: options.inputs ?? [],
        pythonPackages: options.pythonPackages ?? [],
        limits: local,
        runAs: spawnAs ? undefined : this.owner,
        seccompFd: seccomp ? SECCOMP_FD : undefined,
      });
    } else {
      (this.options.warn ?? ((line: string) => logger.warn(line)))(
        'dsbot: WARNING: the local sandbox runs WITHOUT isolation (sandbox.local.allowUnisolated: true): ' +
          'model-written code can read your files, use the network and see this machine. Install bubblewrap and unset it.',
      );
      this.scratch = await mkdtemp(path.join(os.tmpdir(), 'dsbot-sandbox-'));
      const data = path.join(this.scratch, 'data');
      const lib = path.join(this.scratch, 'lib');
      await mkdir(data);
      await mkdir(lib);
      for (const f of options.inputs ?? []) await symlink(path.resolve(f.hostPath), path.join(data, f.name));
      for (const p of options.pythonPackages ?? []) await symlink(path.resolve(p.hostDir), path.join(lib, p.name));
      this.currentPaths = { work: workDir, data };
      sysPath = [lib];
      argv = unisolatedArgv({ python, kernelPath: KERNEL_PATH, limits: local });
      cwd = workDir;
    }
    const env = isolated ? { PATH: '/usr/bin:/bin' } : kernelEnv(workDir);
    const quota = new WorkDirQuota(workDir, local.workDirMb);
    this.runner = new KernelRunner({
      launch: (io) => launchLocal(argv, cwd, env, io, { isolated, seccomp, spawnAs }),
      watchCell: (stop) => quota.watch(stop),
      hostTools: options.hostTools,
      sysPath,
      maxOutputBytes: this.config.maxOutputBytes,
      setupCode: typeof options.setupCode === 'function' ? options.setupCode(this.paths) : options.setupCode,
      startTimeoutMs: this.config.startTimeoutMs,
      cellTimeoutMs: this.config.cellTimeoutMs,
      label: isolated ? 'local sandbox' : 'local sandbox (unisolated)',
      startHint: (stderr, ready) => {
        if (ready && !ready.pandas) return `Install pandas for ${python}: \`${INSTALL_PANDAS}\`, or set sandbox.python to a Python that has it.`;
        if (/^bwrap:/m.test(stderr)) return `bubblewrap could not build the sandbox (see below). Check that \`${INSTALL_BWRAP}\` is installed and user namespaces are allowed, or set sandbox.local.allowUnisolated: true (no isolation).`;
        return undefined;
      },
    });
    try {
      await this.runner.start();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  exec(code: string, options?: ExecOptions): Promise<ExecResult> {
    if (!this.runner) return Promise.reject(new SandboxError('Call start() before exec().'));
    return this.runner.exec(code, options);
  }

  async writeFile(rel: string, content: string | Buffer): Promise<void> {
    if (!this.workDir) throw new SandboxError('Call start() before writeFile().');
    await writeInside(this.workDir, rel, content, this.owner);
  }

  async readFile(rel: string): Promise<Buffer> {
    if (!this.workDir) throw new SandboxError('Call start() before readFile().');
    return readInside(this.workDir, rel);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.runner?.close();
    if (this.scratch) await rm(this.scratch, { recursive: true, force: true });
  }
}

/** How to spawn: isolated (bwrap, with its info fd), the seccomp filter bwrap reads on SECCOMP_FD, as which user. */
interface LaunchOptions {
  isolated: boolean;
  seccomp?: Buffer;
  spawnAs?: { uid: number; gid: number };
}

/** Spawns the kernel in its own process group; kill() SIGKILLs the sandbox's PID namespace, then the group. */
function launchLocal(argv: string[], cwd: string, env: Record<string, string>, io: KernelIO, opts: LaunchOptions): Promise<KernelProcess> {
  const { isolated, seccomp, spawnAs } = opts;
  return new Promise((resolve, reject) => {
    const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe', isolated ? 'pipe' : 'ignore'];
    if (seccomp) stdio[SECCOMP_FD] = 'pipe';
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio, detached: true, ...spawnAs });
    if (seccomp) {
      const filter = child.stdio[SECCOMP_FD] as NodeJS.WritableStream | null;
      filter?.on('error', () => undefined); // bwrap failed early: its exit reports it
      filter?.end(seccomp); // bwrap reads the program up to EOF
    }
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => io.onStdout(c));
    child.stderr!.on('data', (c: string) => io.onStderr(c));
    child.stdin!.on('error', () => undefined); // EPIPE after a kill: the exit event reports it
    let innerPid: number | undefined;
    const info = child.stdio[3] as NodeJS.ReadableStream | null;
    if (info) {
      let text = '';
      info.setEncoding('utf8');
      info.on('data', (c: string) => {
        text += c;
        const m = /"child-pid":\s*(\d+)/.exec(text);
        if (m) innerPid = Number(m[1]);
      });
      info.on('error', () => undefined);
    }
    let exited = false;
    const exitWaiters: (() => void)[] = [];
    child.once('error', (err) => {
      if (child.pid === undefined) return reject(err);
      io.onStderr(`${err.message}\n`);
    });
    child.once('exit', (code, signal) => {
      exited = true;
      for (const w of exitWaiters.splice(0)) w();
      // Let the last stdout/stderr chunks arrive first (bounded: a stray grandchild may hold the pipes).
      let reported = false;
      const done = () => {
        if (!reported) io.onExit({ code, signal });
        reported = true;
      };
      const timer = setTimeout(done, 200);
      child.once('close', () => (clearTimeout(timer), done()));
    });
    const killGroup = () => {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    child.once('spawn', () =>
      resolve({
        write: (data) =>
          new Promise<void>((res, rej) => {
            if (exited || !child.stdin!.writable) return rej(new Error('the kernel is not running'));
            child.stdin!.write(data, (err) => (err ? rej(err) : res()));
          }),
        kill: async () => {
          if (exited) return;
          if (innerPid) {
            try {
              process.kill(innerPid, 'SIGKILL'); // the namespace dies with its init; bwrap reaps it and exits
              await new Promise<void>((res) => {
                const t = setTimeout(res, 500);
                exitWaiters.push(() => (clearTimeout(t), res()));
              });
            } catch {
              /* already gone */
            }
          }
          killGroup();
        },
      }),
    );
  });
}
