/** Terminal output helpers: aligned text tables and error reporting without stack traces. */
import { InputError, UsageError } from '../errors.js';

export function textTable(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (typeof rows[0]?.[i] === 'number' && r !== head ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n');
}

/** Prints an error the way users should see it and returns the exit code it deserves. */
export function reportError(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`medbank: ${e.message}\n`);
    return 1;
  }
  if (e instanceof InputError) {
    process.stderr.write(`medbank: ${e.file}: ${e.message}\n`);
    return 2;
  }
  const err = e as Error;
  process.stderr.write(`medbank: unexpected error: ${err?.message ?? String(e)}\n`);
  if (process.env.MEDBANK_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
  else process.stderr.write('(set MEDBANK_DEBUG=1 to see where it happened)\n');
  return 1;
}
