import { SingleBar, Presets } from 'cli-progress';
import pc from 'picocolors';
import type { TrainingEvent, TrainingListener } from '@instructkit/core';

/** How training progress is shown. */
export interface ProgressReporterOptions {
  /** Print one JSON object per event instead of a bar or log lines. Default: false. */
  readonly json?: boolean;
  /** Where to write. Default: process.stderr (stdout stays clean for results). */
  readonly stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Log every n-th step in line mode. Default: 10. */
  readonly logEvery?: number;
}

/**
 * Turns core's training events into a progress bar (steps, ETA, tokens/s, loss) on a
 * terminal, plain log lines elsewhere (CI, pipes), or JSON lines with `--json`.
 */
export function createProgressReporter(options: ProgressReporterOptions = {}): TrainingListener & { stop(): void } {
  const stream = options.stream ?? process.stderr;
  const isTty = Boolean((stream as NodeJS.WriteStream).isTTY) && !options.json;
  const logEvery = options.logEvery ?? 10;
  let bar: SingleBar | undefined;
  let tokens = 0;
  let seconds = 0;
  const write = (line: string) => stream.write(`${line}\n`);

  const listener = (event: TrainingEvent) => {
    if (options.json) {
      write(JSON.stringify(event));
      return;
    }
    switch (event.type) {
      case 'run-start':
        tokens = 0;
        seconds = 0;
        if (isTty) {
          bar = new SingleBar(
            {
              format: `${pc.cyan(event.stage.padEnd(8))} {bar} {value}/{total} steps | ETA {eta_formatted} | {tokensPerSecond} tok/s | loss {loss}`,
              hideCursor: true,
              etaBuffer: 20,
              stream: stream as NodeJS.WriteStream,
            },
            Presets.shades_classic,
          );
          bar.start(event.totalSteps, event.startStep, { tokensPerSecond: '-', loss: '-' });
        } else {
          write(`[${event.stage}] start at step ${event.startStep} of ${event.totalSteps}`);
        }
        break;
      case 'step-end': {
        tokens += event.tokens;
        seconds += event.seconds;
        const tokensPerSecond = seconds > 0 ? Math.round(tokens / seconds) : 0;
        if (bar) bar.update(event.step, { tokensPerSecond, loss: event.loss.toFixed(4) });
        else if (event.step % logEvery === 0 || event.step === event.totalSteps) {
          const extras = Object.entries(event.metrics)
            .slice(0, 6)
            .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(4)}`)
            .join(' | ');
          write(`[${event.stage}] step ${event.step}/${event.totalSteps} | loss ${event.loss.toFixed(4)} | ${tokensPerSecond} tok/s${extras ? ` | ${extras}` : ''}`);
        }
        break;
      }
      case 'eval-end': {
        const metrics = Object.entries(event.metrics)
          .map(([name, value]) => `${name} ${value.toFixed(4)}`)
          .join(' | ');
        if (bar) bar.stop();
        write(`[${event.stage}] eval at step ${event.step}: ${metrics}`);
        if (bar) bar.start(bar.getTotal(), event.step);
        break;
      }
      case 'checkpoint-saved':
        if (!bar) write(`[${event.stage}] checkpoint saved at step ${event.step}: ${event.path}`);
        break;
      case 'rollout-start':
      case 'rollout-end':
        break;
      case 'run-end':
        bar?.stop();
        bar = undefined;
        write(`[${event.stage}] ${event.reason === 'completed' ? pc.green('done') : pc.yellow('interrupted')} at step ${event.step}`);
        break;
    }
  };
  return Object.assign(listener, { stop: () => bar?.stop() });
}
