/**
 * Entry of every pool thread: loads the task module the pool names (its default export does one
 * task) and answers each request message with that function's result or error.
 */
import { parentPort, workerData } from 'node:worker_threads';

type Task = (request: unknown) => unknown;

const port = parentPort!;
// Messages that arrive while the module loads wait in the port until the listener is attached.
const task = ((await import(workerData.module as string)) as { default: Task }).default;
port.on('message', async ({ id, request }: { id: number; request: unknown }) => {
  try {
    port.postMessage({ id, ok: true, value: await task(request) });
  } catch (e) {
    port.postMessage({ id, ok: false, error: e instanceof Error ? e : new Error(String(e)) });
  }
});
