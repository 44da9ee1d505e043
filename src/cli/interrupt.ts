/** Ctrl-C and SIGTERM for long commands: the first aborts the signal (after saying what stops), a second quits at once with 130. */
export function interruptible(message: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const interrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\ninterrupted: ${message}\n`);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    },
  };
}
