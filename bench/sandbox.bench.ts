/**
 * `npm run bench:sandbox`: kernel start time (including `import pandas`), warm exec round trip
 * of a trivial cell and of `df.describe()` on a 10,000-row frame (p50/p99 over 500+ cells),
 * compared with starting a fresh Python per cell. Prints figures; the last line is one JSON object.
 * Targets (issue 2): warm trivial cell p50 ≤ 2 ms and p99 ≤ 10 ms; start ≤ 1 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { createSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/types.js';

const CELLS = 500;
const STARTS = 3;
const FRESH = 10;

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const r2 = (n: number) => Math.round(n * 100) / 100;

async function timeCells(sb: Sandbox, code: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await sb.exec(code);
    out.push(performance.now() - t);
    if (r.error || r.killed) throw new Error(`bench cell failed: ${r.error?.message ?? r.killed}`);
  }
  return out;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dsbot-bench-sandbox-'));
  console.log(`sandbox: ${config.sandbox.kind}, python ${config.sandbox.python}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  try {
    const starts: number[] = [];
    let sb: Sandbox | undefined;
    for (let i = 0; i < STARTS; i++) {
      await sb?.close();
      sb = createSandbox(config.sandbox);
      const t = performance.now();
      await sb.start({ workDir: path.join(tmp, `w${i}`) });
      starts.push(performance.now() - t);
    }
    const live = sb!;
    console.log(`start (incl. import pandas), ${STARTS} runs: ${starts.map((s) => s.toFixed(0)).join(', ')} ms`);

    await timeCells(live, 'x = 1', 50); // warm-up
    const trivial = await timeCells(live, 'x = 1', CELLS);
    console.log(`trivial cell, ${CELLS} warm cells: p50 ${pct(trivial, 50).toFixed(2)} ms, p99 ${pct(trivial, 99).toFixed(2)} ms`);

    await live.exec('import numpy as np, pandas as pd\ndf = pd.DataFrame(np.random.default_rng(0).random((10_000, 5)), columns=list("abcde"))');
    await timeCells(live, 'd = df.describe()', 20);
    const describe = await timeCells(live, 'd = df.describe()', CELLS);
    console.log(`df.describe() on 10,000 rows, ${CELLS} cells: p50 ${pct(describe, 50).toFixed(2)} ms, p99 ${pct(describe, 99).toFixed(2)} ms`);
    await live.close();

    // The alternative: a fresh Python per cell (no sandbox, so this flatters it).
    const fresh: number[] = [];
    for (let i = 0; i < FRESH; i++) {
      const t = performance.now();
      const r = spawnSync(config.sandbox.python, ['-I', '-c', 'import pandas; x = 1'], { stdio: 'ignore' });
      fresh.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`${config.sandbox.python} -c "import pandas" failed`);
    }
    const freshP50 = pct(fresh, 50);
    const ratio = freshP50 / pct(trivial, 50);
    console.log(`fresh Python per cell (import pandas + cell, no sandbox), ${FRESH} runs: p50 ${freshP50.toFixed(0)} ms — ${ratio.toFixed(0)}x the warm kernel's trivial cell`);

    console.log(
      JSON.stringify({
        start_ms: r2(pct(starts, 50)),
        exec_p50_ms: r2(pct(trivial, 50)),
        exec_p99_ms: r2(pct(trivial, 99)),
        describe_p50_ms: r2(pct(describe, 50)),
        describe_p99_ms: r2(pct(describe, 99)),
        fresh_python_p50_ms: r2(freshP50),
        fresh_vs_warm_ratio: Math.round(ratio),
      }),
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
