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
import { createChatAgent } from '../src/agent/chat/index.js';
import { createBuiltinModel } from '../src/agent/models/builtin.js';
import { loadConfig } from '../src/config/load.js';
import { createBuiltinEmbedding } from '../src/knowledge/embeddings/builtin.js';
import { MemoryKnowledgeStore } from '../src/knowledge/memory-store.js';
import { createSandbox } from '../src/sandbox/index.js';
import { makeSalesRun, runSuite } from '../tests/chat/suite/run-suite.js';

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

/** The builtin question suite: correct / wrong / refused. */
async function suite(verbose: boolean) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dsbot-bench-suite-'));
  const config = loadConfig({ overrides: { dataDir } });
  const runDir = await makeSalesRun(config);
  const agent = createChatAgent(config, { model: createBuiltinModel(), knowledge: new MemoryKnowledgeStore(createBuiltinEmbedding()), createSandbox: () => createSandbox(config.sandbox) });
  try {
    const r = await runSuite(agent, runDir);
    const byClass = new Map<string, number[]>();
    for (const s of r.scored) {
      const c = byClass.get(s.question.cls) ?? [0, 0, 0];
      c[['correct', 'wrong', 'refused'].indexOf(s.outcome)]++;
      byClass.set(s.question.cls, c);
      if (verbose || s.outcome !== 'correct') console.log(`${s.outcome.padEnd(7)} [${s.question.cls}] ${s.question.q}${s.why ? `  — ${s.why}` : ''}${verbose ? `\n    ${s.answer.split('\n').slice(0, 4).join('\n    ')}` : ''}`);
    }
    for (const [c, [ok, bad, ref]] of byClass) console.log(`  ${c.padEnd(13)} correct ${ok}, wrong ${bad}, refused ${ref}`);
    return r;
  } finally {
    await agent.close?.();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const nq = Number(arg('queries') ?? 200);
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const q = await queryLatency(nq);
  console.log(`query_data, ${nq} warm queries back to back on turtle_reviews: p50 ${q.p50} ms, p99 ${q.p99} ms`);
  const spaced = await queryLatency(Math.max(20, Math.round(nq / 4)), 50);
  console.log(`query_data, ${Math.max(20, Math.round(nq / 4))} warm queries 50 ms apart: p50 ${spaced.p50} ms, p99 ${spaced.p99} ms`);
  const r = await suite(process.argv.includes('--verbose'));
  const n = r.scored.length;
  const pctOf = (k: number) => `${((100 * k) / n).toFixed(1)}%`;
  console.log(`question suite, ${n} questions: correct ${r.correct} (${pctOf(r.correct)}), wrong ${r.wrong} (${pctOf(r.wrong)}), refused ${r.refused} (${pctOf(r.refused)})`);
  console.log(
    JSON.stringify({ questions: n, correct: r.correct, wrong: r.wrong, refused: r.refused, query_p50_ms: q.p50, query_p99_ms: q.p99, spaced_query_p50_ms: spaced.p50, spaced_query_p99_ms: spaced.p99 }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
