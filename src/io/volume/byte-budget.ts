/**
 * A counting semaphore over MiB of memory, shared by every worker thread of a build through a
 * SharedArrayBuffer: a worker reserves what a volume's header promises before it inflates and
 * holds it until its job ends, so the volumes all workers hold at once stay within the bound
 * (`--max-volume-mib`). A job asking for more than the whole budget waits until it runs alone.
 * Reservations are all-or-nothing per job (image and label together), so two jobs never wait on
 * each other.
 */

const USED = 0;
const CAPACITY = 1;
const MIB = 1024 * 1024;

/** Atomics.waitAsync (Node 16+) is missing from the ES2022 library types this project compiles against. */
type WaitAsync = (
  cells: Int32Array,
  index: number,
  value: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** A new shared budget of `bytes` (rounded up to whole MiB), to hand to worker threads. */
export function createByteBudget(bytes: number): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(8);
  new Int32Array(shared)[CAPACITY] = Math.max(1, Math.ceil(bytes / MIB));
  return shared;
}

/**
 * Waits until `bytes` fit beside what other threads hold, reserves them, and returns the function
 * that gives them back (call it once, in a `finally`).
 */
export async function reserveBytes(shared: SharedArrayBuffer, bytes: number): Promise<() => void> {
  const cells = new Int32Array(shared);
  const want = Math.min(Math.max(1, Math.ceil(bytes / MIB)), cells[CAPACITY]);
  for (;;) {
    const used = Atomics.load(cells, USED);
    if (used + want <= cells[CAPACITY]) {
      if (Atomics.compareExchange(cells, USED, used, used + want) === used) break;
      continue;
    }
    const waited = waitAsync(cells, USED, used);
    if (!waited.async) continue;
    // A pending waitAsync does not keep a thread's event loop alive; this timer does.
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      await waited.value;
    } finally {
      clearInterval(keepAlive);
    }
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    Atomics.sub(cells, USED, want);
    Atomics.notify(cells, USED);
  };
}

/** MiB reserved right now (for tests and reports). */
export function reservedMiB(shared: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(shared), USED);
}
