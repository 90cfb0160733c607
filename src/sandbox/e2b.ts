/**
 * E2BSandbox: the same kernel in an E2B cloud sandbox (a microVM per sandbox). The only file
 * that imports `e2b`. The kernel runs as a background command with stdin open; protocol lines
 * come back through `onStdout`. Files go in with `files.write` and come back with `files.read`.
 *
 * Isolation is E2B's: a VM with no host files and no host secrets; internet access is turned
 * off at creation. Inside the VM the "read-only" inputs are plain copies (nothing to protect).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Sandbox as E2BSdkSandbox } from 'e2b';
import { SandboxError } from '../errors.js';
import { sandboxSchema, type SandboxConfig } from '../config/schema.js';
import { KERNEL_PATH } from './kernel-protocol.js';
import { KernelRunner, type KernelIO, type KernelProcess } from './kernel-runner.js';
import { kernelEnv } from './local-command.js';
import type { ExecOptions, ExecResult, Sandbox, SandboxPaths, SandboxStartOptions } from './types.js';

/** A background command, as much of it as this file uses. */
export interface E2BCommandHandleLike {
  /** Process id inside the sandbox. */
  readonly pid: number;
  /** Settles when the command ends (rejects with an error carrying `exitCode` on non-zero exit). */
  wait(): Promise<{ exitCode: number }>;
}

/** Exactly the e2b SDK surface this file uses; tests pass a double with the same shape. */
export interface E2BSandboxLike {
  files: {
    /** Writes a file, creating parent directories. */
    write(path: string, data: string | ArrayBuffer): Promise<unknown>;
    /** Reads a file as bytes. */
    read(path: string, opts: { format: 'bytes' }): Promise<Uint8Array>;
    /** Creates a directory (and parents). */
    makeDir(path: string): Promise<unknown>;
  };
  commands: {
    /** Starts a background command with stdin kept open. */
    run(
      cmd: string,
      opts: {
        background: true;
        stdin: true;
        cwd?: string;
        envs?: Record<string, string>;
        timeoutMs?: number;
        onStdout: (data: string) => void;
        onStderr: (data: string) => void;
      },
    ): Promise<E2BCommandHandleLike>;
    /** Sends data to a command's stdin. */
    sendStdin(pid: number, data: string): Promise<void>;
    /** SIGKILLs a command. */
    kill(pid: number): Promise<boolean>;
  };
  /** Destroys the sandbox. */
  kill(): Promise<unknown>;
}

/** Creates (connects to) an E2B sandbox. */
export type E2BConnect = (template: string, opts: { apiKey?: string; domain?: string; timeoutMs: number }) => Promise<E2BSandboxLike>;

/** The real SDK: `Sandbox.create(template, {apiKey, domain, timeoutMs})`, no internet access. */
export const connectE2B: E2BConnect = async (template, opts) =>
  E2BSdkSandbox.create(template, { apiKey: opts.apiKey, domain: opts.domain, timeoutMs: opts.timeoutMs, allowInternetAccess: false });

export interface E2BSandboxOptions {
  /** How to create the sandbox; default the real SDK. Tests pass a double. */
  connect?: E2BConnect;
  /** Directory inside the sandbox holding work/, data/, lib/ and the kernel; default /home/user/dsbot. */
  root?: string;
}

const DEFAULT_ROOT = '/home/user/dsbot';

function toArrayBuffer(content: string | Buffer): string | ArrayBuffer {
  if (typeof content === 'string') return content;
  return content.buffer.slice(content.byteOffset, content.byteOffset + content.byteLength) as ArrayBuffer;
}

function safeRel(rel: string): string {
  const norm = path.posix.normalize(rel.replace(/^\/+/, ''));
  if (norm === '.' || norm.startsWith('..')) throw new SandboxError(`Path ${rel} is outside the sandbox's work dir.`);
  return norm;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === '__pycache__' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)).map((f) => path.join(e.name, f)));
    else if (e.isFile()) out.push(e.name);
  }
  return out;
}

export class E2BSandbox implements Sandbox {
  readonly kind = 'e2b' as const;
  readonly paths: SandboxPaths;
  private readonly config: SandboxConfig;
  private readonly connect: E2BConnect;
  private readonly root: string;
  private sdk?: E2BSandboxLike;
  private runner?: KernelRunner;
  private closed = false;

  constructor(config: SandboxConfig, options: E2BSandboxOptions = {}) {
    this.config = sandboxSchema.parse(config);
    this.connect = options.connect ?? connectE2B;
    this.root = options.root ?? DEFAULT_ROOT;
    this.paths = { work: `${this.root}/work`, data: `${this.root}/data` };
  }

  async start(options: SandboxStartOptions): Promise<void> {
    if (this.runner) throw new SandboxError('This sandbox was already started.');
    const { e2b } = this.config;
    if (!e2b.apiKey && !e2b.domain && this.connect === connectE2B) {
      throw new SandboxError('sandbox.kind is e2b but no E2B key is set. Set E2B_API_KEY, or set sandbox.kind: local.');
    }
    try {
      this.sdk = await this.connect(e2b.template, { apiKey: e2b.apiKey, domain: e2b.domain, timeoutMs: e2b.timeoutMs });
    } catch (err) {
      throw new SandboxError(`Cannot create the E2B sandbox (template ${e2b.template}): ${(err as Error).message}`, { cause: err });
    }
    try {
      await this.upload(options);
      const sdk = this.sdk;
      // No -I: templates may install pandas in the user's site-packages; the VM holds no host secrets.
      const cmd = `${e2b.python} ${this.root}/kernel.py`;
      this.runner = new KernelRunner({
        launch: (io) => launchE2B(sdk, cmd, this.paths.work, io),
        hostTools: options.hostTools,
        sysPath: [`${this.root}/lib`],
        maxOutputBytes: this.config.maxOutputBytes,
        setupCode: typeof options.setupCode === 'function' ? options.setupCode(this.paths) : options.setupCode,
        startTimeoutMs: this.config.startTimeoutMs,
        cellTimeoutMs: this.config.cellTimeoutMs,
        label: 'E2B sandbox',
        startHint: (_stderr, ready) =>
          ready && !ready.pandas ? `The E2B template ${e2b.template} has no pandas: use a template with pandas (sandbox.e2b.template).` : undefined,
      });
      await this.runner.start();
    } catch (err) {
      await this.close();
      throw err instanceof SandboxError ? err : new SandboxError(`Cannot start the E2B sandbox: ${(err as Error).message}`, { cause: err });
    }
  }

  private async upload(options: SandboxStartOptions): Promise<void> {
    const sdk = this.sdk!;
    await sdk.files.makeDir(this.paths.work);
    await sdk.files.makeDir(this.paths.data);
    await sdk.files.makeDir(`${this.root}/lib`);
    await sdk.files.write(`${this.root}/kernel.py`, await readFile(KERNEL_PATH, 'utf8'));
    for (const f of options.inputs ?? []) {
      if (!f.name || f.name.includes('/')) throw new SandboxError(`Input name "${f.name}" must be a bare file name.`);
      await sdk.files.write(`${this.paths.data}/${f.name}`, toArrayBuffer(await readFile(f.hostPath)));
    }
    for (const p of options.pythonPackages ?? []) {
      for (const rel of await listFiles(p.hostDir)) {
        await sdk.files.write(`${this.root}/lib/${p.name}/${rel.split(path.sep).join('/')}`, toArrayBuffer(await readFile(path.join(p.hostDir, rel))));
      }
    }
    for (const f of options.files ?? []) await sdk.files.write(`${this.paths.work}/${safeRel(f.path)}`, toArrayBuffer(f.content));
  }

  exec(code: string, options?: ExecOptions): Promise<ExecResult> {
    if (!this.runner) return Promise.reject(new SandboxError('Call start() before exec().'));
    return this.runner.exec(code, options);
  }

  async writeFile(rel: string, content: string | Buffer): Promise<void> {
    if (!this.sdk) throw new SandboxError('Call start() before writeFile().');
    await this.sdk.files.write(`${this.paths.work}/${safeRel(rel)}`, toArrayBuffer(content));
  }

  async readFile(rel: string): Promise<Buffer> {
    if (!this.sdk) throw new SandboxError('Call start() before readFile().');
    try {
      return Buffer.from(await this.sdk.files.read(`${this.paths.work}/${safeRel(rel)}`, { format: 'bytes' }));
    } catch (err) {
      throw new SandboxError(`Cannot read ${rel} from the E2B sandbox: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.runner?.close().catch(() => undefined);
    await this.sdk?.kill().catch(() => undefined);
  }
}

/** The kernel's env in the VM: the template's own PATH (its Python may live in /usr/local/bin) plus ours. */
function e2bEnv(cwd: string): Record<string, string> {
  const { PATH: _path, ...rest } = kernelEnv(cwd);
  return rest;
}

/** Runs the kernel as a background command; exit is reported when the command ends. */
async function launchE2B(sdk: E2BSandboxLike, cmd: string, cwd: string, io: KernelIO): Promise<KernelProcess> {
  const handle = await sdk.commands.run(cmd, {
    background: true,
    stdin: true,
    cwd,
    envs: e2bEnv(cwd),
    timeoutMs: 0,
    onStdout: (d) => io.onStdout(d),
    onStderr: (d) => io.onStderr(d),
  });
  let exited = false;
  handle.wait().then(
    (r) => ((exited = true), io.onExit({ code: r.exitCode, signal: null })),
    (err: { exitCode?: number }) => ((exited = true), io.onExit({ code: typeof err?.exitCode === 'number' ? err.exitCode : null, signal: null })),
  );
  let sent: Promise<unknown> = Promise.resolve(); // each sendStdin is its own request: keep them in order
  return {
    write: (data) => {
      if (exited) return Promise.reject(new Error('the kernel is not running'));
      const next = sent.then(() => sdk.commands.sendStdin(handle.pid, data));
      sent = next.catch(() => undefined);
      return next;
    },
    kill: async () => {
      if (!exited) await sdk.commands.kill(handle.pid);
    },
  };
}
