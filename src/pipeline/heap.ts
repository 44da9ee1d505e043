/**
 * A full garbage collection of the main thread on demand. A build calls it twice: after planning,
 * before the workers start, and after the resume check, before the conversion. The scan's job
 * lists and the resume check's garbage (tens of MiB for 30,000 raw files) would otherwise stay in
 * V8's old space until its memory reducer runs, seconds later, on top of the workers' memory.
 * V8's `gc()` is exposed to a fresh context, as jest's leak detector does, because the flag can
 * only be set after start-up here.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
