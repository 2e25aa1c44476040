/**
 * An AbortSignal that fires on the first Ctrl-C (SIGINT) or SIGTERM, so a trainer can
 * save a checkpoint and return; a second Ctrl-C exits at once. Call `dispose()` when
 * the command ends to restore default signal handling.
 */
export function abortOnInterrupt(stream: NodeJS.WritableStream = process.stderr): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      stream.write(`\n${name} again: exiting without a checkpoint.\n`);
      process.exit(130);
    }
    stream.write(`\n${name}: finishing the current step and saving a checkpoint (press Ctrl-C again to exit now)…\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
