/** Texts to score: `completions[i]` answers `prompts[i]`. */
export interface ScoreRequest {
  /** Prompt texts (already rendered with the chat template, if any). */
  readonly prompts: readonly string[];
  /** Completion texts, one per prompt. */
  readonly completions: readonly string[];
  /** Aborts a long scoring job. */
  readonly signal?: AbortSignal;
}

/**
 * A text-level reward: a trained reward model, a remote scorer over HTTP, the sim
 * task's gold judge, or any function. PPO and the evals only see this contract.
 */
export interface RewardModelV1 {
  /** Contract version. */
  readonly specificationVersion: 'v1';
  /** Identifies the scorer in logs and reports. */
  readonly modelId: string;
  /** Scores each completion of its prompt; one number per pair. */
  doScore(request: ScoreRequest): Promise<number[]>;
}
