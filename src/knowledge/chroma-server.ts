/**
 * The embedded Chroma server (demo, development): `chroma run` from the chromadb package as a
 * child process on 127.0.0.1, data under a directory. It ignores SIGTERM, so it is stopped with
 * SIGKILL (FIELD-NOTES.md); it is also killed when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { DsbotError } from '../errors.js';

/** A running embedded server. */
export interface ChromaServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Data directory. */
  dir: string;
  /** OS process id. */
  pid: number;
  /** SIGKILLs the server and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** Options of `startChromaServer`. */
export interface ChromaServerOptions {
  /** Where Chroma keeps its data (created if missing). */
  dir: string;
  /** Port; default: a free one. */
  port?: number;
  /** How long to wait for the heartbeat, ms. Default 20 000. */
  readyTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Path of chromadb's CLI (`dist/cli.mjs`). */
export function chromaCliPath(): string {
  const main = createRequire(import.meta.url).resolve('chromadb'); // …/dist/cjs/chromadb.cjs
  return path.resolve(path.dirname(main), '..', 'cli.mjs');
}

/** True when `url` answers Chroma's heartbeat. */
export async function chromaAlive(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/api/v2/heartbeat`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Starts a server and waits until its heartbeat answers. */
export async function startChromaServer(options: ChromaServerOptions): Promise<ChromaServer> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [chromaCliPath(), 'run', '--path', options.dir, '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  installExitHook();
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString('utf8')).slice(-4_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
    live.delete(child);
  });

  const stop = async () => {
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  while (!(await chromaAlive(url, 500))) {
    if (gone || Date.now() > deadline) {
      await stop();
      throw new DsbotError(
        'config',
        `The embedded Chroma server did not start (port ${port}, data ${options.dir}): ${output.trim().slice(-800) || 'no output'}. ` +
          'Check the chromadb native bindings pin (FIELD-NOTES.md), or set knowledge.chromaUrl / CHROMA_URL to a running server.',
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, dir: options.dir, pid: child.pid!, stop };
}
