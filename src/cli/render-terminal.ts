/** Renders a cleaning run's events for a terminal (`dsbot clean`, `dsbot eval`). */
import type { RunEvent } from '../agent/events.js';

export function progressBar(done: number, total: number, width = 24): string {
  const frac = total > 0 ? Math.min(done / total, 1) : 0;
  const full = Math.round(frac * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${done}/${total}`;
}

function firstLine(s: string, max = 140): string {
  const line = s.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** One event → lines to print (may be empty). `verbose` adds the code of each step. */
export function renderEvent(e: RunEvent, verbose = false): string[] {
  switch (e.type) {
    case 'run_started':
      return [`dsbot: run ${e.runId} on ${e.input}${e.resumed ? ' (resuming)' : ''}`];
    case 'phase':
      return e.status === 'started' ? [`▶ ${e.phase}${e.detail ? ` — ${e.detail}` : ''}`] : [`✔ ${e.phase}${e.detail ? `: ${e.detail}` : ''}`];
    case 'step': {
      const obs = e.observation.replace(/^Observation:\s*/, '').replace(/<\/?untrusted-data[^>]*>/g, '');
      const lines = [`  step ${e.step} [${e.phase}] ${firstLine(e.thought) || '(no thought)'} ${e.isError ? '✗' : '✓'} (${e.durationMs} ms)`];
      if (verbose && e.code) lines.push(...e.code.split('\n').map((l) => `    │ ${l}`));
      if (e.isError || verbose) lines.push(`    → ${firstLine(obs, 200)}`);
      return lines;
    }
    case 'validation': {
      const where = e.scope === 'sample' ? 'sample' : `chunk ${e.chunkIndex}`;
      if (e.ok && e.scope === 'chunk') return [];
      const failed = e.checks.filter((c) => !c.ok);
      return [`  ${e.ok ? '✓' : '✗'} validation on ${where}: ${e.ok ? `passed (${e.checks.length} checks)` : failed.map((c) => `${c.name} — ${c.detail}`).join('; ')}`];
    }
    case 'chunk_committed':
      return [];
    case 'progress':
      return [`  ${progressBar(e.chunksDone, e.totalChunks)} chunks, ${e.rowsProcessed.toLocaleString('en')} rows, ${(e.elapsedMs / 1000).toFixed(1)} s`];
    case 'insight':
      return [`  💡 ${firstLine(e.text, 200)}`];
    case 'plan':
      return [
        `  plan (on ${e.plan.sampleRows} of ${e.plan.totalRows} rows): ${e.plan.cellsChanged} cells in ${e.plan.columns.length + e.plan.moreColumns} columns changed, ${e.plan.sampleRows - e.plan.rowsKept} rows removed`,
        ...e.plan.columns.slice(0, 10).map((c) => `    ${c.name}: ${c.cells} cells${c.examples[0] ? ` (e.g. ${c.examples[0].before} → ${c.examples[0].after})` : ''}`),
      ];
    case 'log':
      return [`  ${e.level === 'warn' ? '⚠' : 'ℹ'} ${e.message}`];
    case 'run_finished': {
      const lines = [`${e.status === 'succeeded' ? '✅' : e.status === 'stopped' ? '⏹' : e.status === 'awaiting_approval' ? '⏸' : '❌'} ${e.message}`];
      if (e.summary) {
        const s = e.summary;
        lines.push(
          `rows in ${s.rowsIn}, out ${s.rowsOut}, removed ${s.rowsRemoved}; cells changed ${s.cellsChanged}; model calls ${s.modelCalls} (tokens in ${s.tokens.inputTokens}, out ${s.tokens.outputTokens}${s.costUsd !== undefined ? `, $${s.costUsd.toFixed(4)}` : ''}); ${(s.durationMs / 1000).toFixed(1)} s`,
          '',
          s.beforeAfterTable,
        );
      }
      if (e.artifacts.length) lines.push('', 'outputs:', ...e.artifacts.map((a) => `  ${a.path}`));
      return lines;
    }
  }
}
