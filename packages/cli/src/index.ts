/**
 * @packageDocumentation
 * The `instructkit` command-line tool. `createProgram()` returns the commander
 * program, so the CLI can be embedded or tested without spawning a process.
 */
export { createProgram } from './program';
export { loadConfigFile } from './shared/config-file';
export { OptimizationSettingsSchema, AdamWSettingsSchema, LearningRateScheduleSchema } from './shared/optimization-schema';
export { createProgressReporter, type ProgressReporterOptions } from './shared/progress-reporter';
export { abortOnInterrupt } from './shared/interrupt';
export { runPipeline, PIPELINE_STAGES, type PipelineEvent, type PipelineResult, type PipelineStage, type RunPipelineOptions } from './pipeline/run-pipeline';
export { pipelinePreset, resolvePipelineSettings, PipelineConfigFile, PipelineSettings } from './pipeline/pipeline-config';
