import type { z } from 'zod';
import { ConversationRecord, PromptCompletion } from './conversation-record';
import { Demonstration } from './demonstration';
import { ConversationalPreferencePair, PreferencePair } from './preference-pair';
import { Prompt } from './prompt';
import { Ranking } from './ranking';
import { Rating } from './rating';

/**
 * The schema of each record kind by the name the CLI uses
 * (`instructkit data validate --kind <name>`).
 */
export const RECORD_SCHEMAS = {
  prompt: Prompt,
  demonstration: Demonstration,
  ranking: Ranking,
  rating: Rating,
  pair: PreferencePair,
  'conversational-pair': ConversationalPreferencePair,
  conversation: ConversationRecord,
  'prompt-completion': PromptCompletion,
} as const satisfies Record<string, z.ZodType>;

/** Name of a record kind: `prompt`, `demonstration`, `ranking`, `rating`, `pair`, … */
export type RecordKind = keyof typeof RECORD_SCHEMAS;

/** Every record kind name, for help texts and validation. */
export const RECORD_KINDS = Object.keys(RECORD_SCHEMAS) as RecordKind[];
