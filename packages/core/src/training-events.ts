/** The stage a training event comes from. */
export type Stage = 'pretrain' | 'sft' | 'reward' | 'ppo' | 'eval' | (string & {});

/** Events trainers emit; names are noun-then-verb. */
export type TrainingEvent =
  | { readonly type: 'run-start'; readonly stage: Stage; readonly totalSteps: number; readonly startStep: number }
  | {
      readonly type: 'step-end';
      readonly stage: Stage;
      /** Optimizer step just completed (1-based). */
      readonly step: number;
      readonly totalSteps: number;
      readonly loss: number;
      readonly metrics: Readonly<Record<string, number>>;
      /** Non-pad tokens processed by this step. */
      readonly tokens: number;
      /** Wall-clock seconds of this step. */
      readonly seconds: number;
    }
  | { readonly type: 'eval-end'; readonly stage: Stage; readonly step: number; readonly metrics: Readonly<Record<string, number>> }
  | { readonly type: 'rollout-start'; readonly stage: Stage; readonly step: number; readonly prompts: number }
  | { readonly type: 'rollout-end'; readonly stage: Stage; readonly step: number; readonly seconds: number }
  | { readonly type: 'checkpoint-saved'; readonly stage: Stage; readonly step: number; readonly path: string }
  | { readonly type: 'run-end'; readonly stage: Stage; readonly step: number; readonly reason: 'completed' | 'interrupted' };

/** Receives training events (progress bars, loggers, tests). */
export type TrainingListener = (event: TrainingEvent) => void;

/** One line of `metrics.jsonl`: always `step`, `stage` and `time`, plus numeric metrics. */
export interface MetricsRecord {
  readonly stage: Stage;
  readonly step: number;
  /** ISO-8601 wall-clock time. */
  readonly time: string;
  readonly [metric: string]: number | string;
}

/** Where metrics go: a JSONL file in the run directory, memory in tests, a remote tracker. */
export interface MetricsSinkV1 {
  /** Contract version. */
  readonly specificationVersion: 'v1';
  /** Records one line. */
  write(record: MetricsRecord): void;
  /** Makes everything written so far durable. */
  flush(): Promise<void>;
}
