/** `dsbot sandbox run FILE.py`: runs a Python file in the configured sandbox (for debugging). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { InputError } from '../errors.js';
import { createSandbox } from '../sandbox/index.js';

interface RunOptions {
  timeoutMs?: number;
  input?: string[];
  workDir?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InputError(`--timeout-ms must be a positive integer, got ${value}`);
  return n;
}

export function registerSandboxCommand(program: Command): void {
  const sandbox = program.command('sandbox').description('Run Python in the configured sandbox (sandbox.kind)');
  sandbox
    .command('run')
    .description('Run FILE.py as one cell; prints its stdout, stderr and errors (exit code 1 on a Python error)')
    .argument('<file>', 'Python file')
    .option('--timeout-ms <n>', 'wall-clock limit of the cell (default sandbox.cellTimeoutMs)', positiveInt)
    .option('--input <path...>', 'files made visible read-only under the data dir (/data/<name>)')
    .option('--work-dir <dir>', 'host work dir to keep (default: a temporary dir, removed afterwards)')
    .action(async (file: string, opts: RunOptions) => {
      process.exitCode = await runFile(file, opts);
    });
}

/** Runs one file; returns the process exit code. */
export async function runFile(file: string, opts: RunOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const code = await readFile(file, 'utf8').catch((e: unknown) => {
    throw new InputError(`Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  });
  const config = loadConfig();
  const workDir = opts.workDir ? path.resolve(opts.workDir) : await mkdtemp(path.join(os.tmpdir(), 'dsbot-sandbox-run-'));
  const sb = createSandbox(config.sandbox);
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    await sb.start({ workDir, inputs: (opts.input ?? []).map((p) => ({ hostPath: path.resolve(p), name: path.basename(p) })) });
    const r = await sb.exec(code, { timeoutMs: opts.timeoutMs, signal: ac.signal });
    if (r.stdout) out.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
    if (r.stderr) err.write(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
    if (r.hasFinalAnswer) out.write(`final_answer: ${JSON.stringify(r.finalAnswer, null, 2)}\n`);
    if (r.error) err.write(r.error.traceback || `${r.error.type}: ${r.error.message}\n`);
    if (r.killed) err.write(`dsbot: the cell was killed (${r.killed}) after ${Math.round(r.durationMs)} ms\n`);
    if (opts.workDir) err.write(`dsbot: work dir kept at ${workDir}\n`);
    return r.error || r.killed ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await sb.close();
    if (!opts.workDir) await rm(workDir, { recursive: true, force: true });
  }
}
