/** A small file whose dates a team wants written another way: the corrections tests' data (issue 11). */

/** 60 visits; `when` is written day first (d/m/yy) throughout, the team wants month first; a `Leds` typo now and then. */
export function visitsCsv(): string {
  const rows = ['id,when,city'];
  for (let i = 0; i < 60; i++) rows.push(`${i},${1 + ((7 * i) % 28)}/${1 + (i % 12)}/21,${i % 9 === 4 ? 'Leds' : 'Leeds'}`);
  return rows.join('\n') + '\n';
}

/** The date of visit `i` month first, as the corrections write it. */
export const monthFirst = (i: number) => `${1 + (i % 12)}/${1 + ((7 * i) % 28)}/21`;

/** `fix` lines correcting two visits' dates (two different values: enough to learn the whole column's convention). */
export const FIX_TWO_DATES = `fix 3 when=${monthFirst(3)}\nfix 17 when=${monthFirst(17)} city=Leeds`;

/** The `when` column of a cleaned.csv text. */
export function whenColumn(csv: string): string[] {
  return csv.trim().split('\n').slice(1).map((l) => l.split(',')[1]);
}

/** Polls `get` until it returns something truthy. */
export async function waitFor<T>(get: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
