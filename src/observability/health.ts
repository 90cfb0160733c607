/**
 * Readiness: named checks (Redis answers, Chroma answers, the platforms are connected, a sandbox
 * can start; defined by the commands, src/cli/observe.ts), each bounded by a timeout, run
 * together for /readyz. Liveness (/healthz) needs no check: answering proves the event loop turns.
 */

/** Resolves (optionally with a detail) when ready; throws with the reason otherwise. */
export type ReadinessCheck = () => Promise<string | void>;

export interface CheckResult {
  ok: boolean;
  /** The check's detail, or why it failed. */
  detail?: string;
  /** How long the check took. */
  ms: number;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, CheckResult>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check at once; ready when all pass. */
export async function checkReadiness(checks: Record<string, ReadinessCheck>, timeoutMs = 5_000): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      try {
        const detail = await withTimeout(Promise.resolve().then(check), timeoutMs, name);
        return [name, { ok: true, ...(detail ? { detail } : {}), ms: Math.round(performance.now() - started) }];
      } catch (err) {
        return [name, { ok: false, detail: (err as Error).message, ms: Math.round(performance.now() - started) }];
      }
    }),
  );
  return { ok: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}

/**
 * A check whose success is remembered for `ttlMs` (an expensive probe, such as starting a
 * sandbox); a failure is not remembered, and callers at the same time share one probe.
 */
export function cachedCheck(check: ReadinessCheck, ttlMs: number): ReadinessCheck {
  let okUntil = 0;
  let lastDetail: string | void;
  let inFlight: Promise<string | void> | undefined;
  return async () => {
    if (Date.now() < okUntil) return lastDetail;
    inFlight ??= check()
      .then((d) => {
        okUntil = Date.now() + ttlMs;
        lastDetail = d;
        return d;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  };
}
