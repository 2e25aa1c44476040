/**
 * Contracts for the apps that come later — the OpenAI-compatible server with its
 * playground, and the labeling web app — designed now so that data flows back into
 * `@instructkit/data` without changing the record formats.
 */

/** One turn of a conversation. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** A prompt captured from the playground or API, before hygiene (PII scrubbing, dedup, per-user caps). */
export interface CapturedPrompt {
  /** Unique id assigned by the server. */
  readonly id: string;
  /** The conversation up to the user's last turn. */
  readonly messages: readonly ChatMessage[];
  /** Stable pseudonymous user id; splits are made by it. */
  readonly userId: string;
  /** Where it came from. */
  readonly source: 'playground' | 'api';
  /** ISO-8601 time. */
  readonly createdAt: string;
  /** The user agreed that the prompt may be used for training. */
  readonly consent: boolean;
}

/** Receives prompts the server captured (a JSONL file, SQLite, a queue). */
export interface PromptSinkV1 {
  readonly specificationVersion: 'v1';
  doRecord(prompt: CapturedPrompt): Promise<void>;
}

/** Work a labeler is asked to do in the labeling app. */
export type LabelingAssignment =
  | { readonly kind: 'demonstration'; readonly promptId: string; readonly prompt: string }
  | { readonly kind: 'ranking'; readonly promptId: string; readonly prompt: string; readonly completions: readonly { readonly text: string; readonly policy: string }[] }
  | { readonly kind: 'rating'; readonly promptId: string; readonly prompt: string; readonly completion: string; readonly policy: string };

/** Hands out assignments and takes back the records (`Demonstration`, `Ranking`, `Rating` from `@instructkit/data`). */
export interface LabelingQueueV1 {
  readonly specificationVersion: 'v1';
  /** Next assignment for a labeler, or undefined when the queue is empty. */
  doNext(labelerId: string): Promise<LabelingAssignment | undefined>;
  /** Stores a completed record (validated by the data package's schemas before it lands). */
  doSubmit(labelerId: string, record: unknown): Promise<void>;
}
