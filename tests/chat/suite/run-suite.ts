/**
 * Runs the chat question suite (questions.ts) through a chat agent and scores every answer
 * against pandas: correct, wrong (an answer whose figures do not match), or refused (a refusal;
 * for an unanswerable question, correct when it names the missing part). Shared by the test
 * (tests/chat/suite.test.ts) and the bench (npm run bench:chat).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runCleaning } from '../../../src/agent/run.js';
import type { ChatAgent, ChatAnswer } from '../../../src/agent/chat/types.js';
import { createBuiltinModel } from '../../../src/agent/models/builtin.js';
import type { Config } from '../../../src/config/schema.js';
import { MemoryKnowledgeStore } from '../../../src/knowledge/memory-store.js';
import { createSandbox } from '../../../src/sandbox/index.js';
import { QUESTIONS, type SuiteQuestion } from './questions.js';

/** One scored question. */
export interface Scored {
  question: SuiteQuestion;
  expected: unknown;
  answer: string;
  outcome: 'correct' | 'wrong' | 'refused';
  /** Why it was not correct. */
  why?: string;
}

/** Runs a real cleaning run on turtle_sales (outliers removed) into `dataDir/runs/<id>`: the runs questions read it. */
export async function makeSalesRun(config: Config): Promise<string> {
  const runId = 'suite-run-1';
  const outDir = path.join(config.dataDir, 'runs', runId);
  mkdirSync(outDir, { recursive: true });
  const deps = { config, model: createBuiltinModel(), knowledge: new MemoryKnowledgeStore(), createSandbox: () => createSandbox(config.sandbox) };
  const input = { runId, inputPath: config.datasets.turtle_sales.path, datasetName: 'turtle_sales', dictionaryPath: config.datasets.turtle_sales.dictionary, outDir, options: { outliers: 'remove' as const } };
  for await (const e of runCleaning(input, deps)) if (e.type === 'run_finished' && e.status !== 'succeeded') throw new Error(`suite run failed: ${e.message}`);
  return outDir;
}

/** Expected answers, computed by pandas now (one Python process for all). */
export function expectedAnswers(questions: SuiteQuestion[], runDir: string): unknown[] {
  const exprs = questions.map((q) => q.py ?? 'None');
  const script = `
import json, sys, pandas as pd, numpy as np
reviews = pd.read_csv("data/turtle/turtle_reviews.csv")
sales = pd.read_csv("data/turtle/turtle_sales.csv")
run_dir = ${JSON.stringify(runDir)}
report = json.load(open(run_dir + "/report.json"))
removed = pd.read_csv(run_dir + "/removed_rows.csv")
changes = pd.read_csv(run_dir + "/changes.csv")
def key(k):
    if isinstance(k, tuple):
        return " / ".join(key(x) for x in k)
    if isinstance(k, float) and k.is_integer():
        return str(int(k))
    return str(k)
def j(v):
    if isinstance(v, pd.Series):
        return [[key(k), j(x)] for k, x in v.items()]
    if isinstance(v, dict):
        return [[key(k), j(x)] for k, x in v.items()]
    if isinstance(v, (list, tuple)):
        return [j(x) for x in v]
    if isinstance(v, (np.integer,)): return int(v)
    if isinstance(v, (np.floating, float)): return float(v)
    return v
out = []
for e in json.loads(sys.stdin.read()):
    v = eval(e)
    out.append({"kind": "pairs" if isinstance(v, (pd.Series, dict)) else "list" if isinstance(v, (list, tuple)) else "value", "v": j(v)})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(exprs), encoding: 'utf8', maxBuffer: 1 << 24 }));
}

/** Numbers written in a text (thousands separators and a trailing % allowed), with their decimals. */
function numbersIn(text: string): { v: number; decimals: number }[] {
  const out: { v: number; decimals: number }[] = [];
  for (const m of text.matchAll(/(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?/g)) {
    const s = m[0].replace(/,/g, '');
    out.push({ v: Number(s), decimals: s.includes('.') ? s.split('.')[1].length : 0 });
  }
  return out;
}

/** True when `text` shows `v` (rounded as the text rounds it, at least to 2 decimals' precision for fractions). */
export function showsNumber(text: string, v: number): boolean {
  return numbersIn(text).some((n) => {
    const tol = 0.5 * 10 ** -Math.min(n.decimals, 6) + 1e-9;
    if (Math.abs(v - Math.round(v)) > 1e-9 && n.decimals < 2 && Math.abs(v) < 1000) return false;
    return Math.abs(n.v - v) <= tol;
  });
}

const shows = (text: string, v: unknown): boolean =>
  typeof v === 'number' ? showsNumber(text, v) : typeof v === 'string' ? text.toLowerCase().includes(v.toLowerCase()) : v === null ? false : Array.isArray(v) ? v.every((x) => shows(text, x)) : false;

/** Refusals of the builtin answerer before it said so in `refused` (for the before figures). */
const LEGACY_REFUSALS = /needs a language model|^Which dataset do you mean|^I could not compute/;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Scores one answer against the expected value. */
export function score(question: SuiteQuestion, expected: { kind: string; v: unknown }, a: ChatAnswer): Scored {
  const base = { question, expected: expected.v, answer: a.text };
  if (question.refuse) {
    if (!a.refused && !LEGACY_REFUSALS.test(a.text)) return { ...base, outcome: 'wrong', why: 'answered a question that should be refused' };
    return new RegExp(escapeRe(question.refuse), 'i').test(a.text) ? { ...base, outcome: 'correct' } : { ...base, outcome: 'refused', why: `the refusal does not name "${question.refuse}"` };
  }
  if (a.refused || LEGACY_REFUSALS.test(a.text)) return { ...base, outcome: 'refused', why: a.text.split('\n')[0] };
  const lines = a.text.split('\n');
  if (expected.kind === 'pairs') {
    for (const [label, value] of expected.v as [string, unknown][]) {
      const parts = label.split(' / ');
      const re = parts.map((p) => new RegExp(`(^|[^\\w])${escapeRe(p)}($|[^\\w])`, 'i'));
      const ok = lines.some((l) => re.every((r) => r.test(l)) && shows(parts.reduce((x, p) => x.replace(new RegExp(escapeRe(p), 'i'), ' '), l), value));
      if (!ok) return { ...base, outcome: 'wrong', why: `no line shows ${label} = ${JSON.stringify(value)}` };
    }
    return { ...base, outcome: 'correct' };
  }
  if (expected.kind === 'list') {
    const missing = (expected.v as unknown[]).filter((x) => !shows(a.text, x));
    return missing.length ? { ...base, outcome: 'wrong', why: `missing ${JSON.stringify(missing.slice(0, 3))}` } : { ...base, outcome: 'correct' };
  }
  return shows(a.text, expected.v) ? { ...base, outcome: 'correct' } : { ...base, outcome: 'wrong', why: `does not show ${JSON.stringify(expected.v)}` };
}

/** Asks every question (threads in order) and scores the answers. */
export async function runSuite(agent: ChatAgent, runDir: string, questions: SuiteQuestion[] = QUESTIONS): Promise<{ scored: Scored[]; correct: number; wrong: number; refused: number }> {
  const expected = expectedAnswers(questions, runDir) as { kind: string; v: unknown }[];
  const scored: Scored[] = [];
  for (let i = 0; i < questions.length; i++) {
    const q = questions[i];
    let a: ChatAnswer;
    try {
      a = await agent.answer({ threadRef: `suite:${q.thread ?? i}`, userId: 'suite', text: q.q });
    } catch (err) {
      a = { text: `error: ${(err as Error).message}`, datasets: [], columns: [], refused: { missing: 'error', candidates: [] } };
    }
    scored.push(score(q, expected[i], a));
  }
  const count = (o: Scored['outcome']) => scored.filter((s) => s.outcome === o).length;
  return { scored, correct: count('correct'), wrong: count('wrong'), refused: count('refused') };
}
