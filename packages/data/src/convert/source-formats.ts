import { InvalidArgumentError } from '@instructkit/core';
import type { z } from 'zod';
import type { RecordKind } from '../records/record-kinds';
import type { ConversationalPreferencePair, PreferencePair } from '../records/preference-pair';
import { AlpacaRow, fromAlpaca } from './alpaca';
import { AnthropicHhRow, fromAnthropicHh } from './anthropic-hh';
import { fromOasstTree, OasstTree } from './oasst';
import { fromOpenAiChat, OpenAiChatRow } from './openai-chat';
import { fromSummarizeComparison, SummarizeComparisonRow } from './summarize-from-feedback';
import { fromTrlPreference, fromTrlSft, isConversationalPair, TrlPreferenceRow, TrlSftRow } from './trl';

/** Public formats `convertFile` and `instructkit data convert --from` read. */
export type SourceFormat = 'trl' | 'trl-sft' | 'hh' | 'alpaca' | 'openai' | 'oasst' | 'tldr';

/** How one source format is read and which record kinds it can become. */
export interface SourceFormatSpec {
  /** Schema of one input row. */
  readonly row: z.ZodType;
  /** Kind produced when none is asked for. */
  readonly defaultKind: RecordKind;
  /** Converters per output kind: one input row gives zero or more records. */
  readonly outputs: Partial<Record<RecordKind, (row: never) => unknown[]>>;
}

const onlyStandard = (pair: PreferencePair | ConversationalPreferencePair): PreferencePair[] => {
  if (isConversationalPair(pair)) throw new InvalidArgumentError('prompt', 'is conversational; convert with --kind conversational-pair');
  return [pair];
};
const onlyConversational = (pair: PreferencePair | ConversationalPreferencePair): ConversationalPreferencePair[] => {
  if (!isConversationalPair(pair)) throw new InvalidArgumentError('prompt', 'is text; convert with --kind pair');
  return [pair];
};

/** Every source format, its row schema and the record kinds it converts to. */
export const SOURCE_FORMATS: Record<SourceFormat, SourceFormatSpec> = {
  trl: {
    row: TrlPreferenceRow,
    defaultKind: 'pair',
    outputs: {
      pair: (row: TrlPreferenceRow) => onlyStandard(fromTrlPreference(row)),
      'conversational-pair': (row: TrlPreferenceRow) => onlyConversational(fromTrlPreference(row)),
    },
  },
  'trl-sft': { row: TrlSftRow, defaultKind: 'conversation', outputs: { conversation: (row: TrlSftRow) => [fromTrlSft(row)] } },
  hh: {
    row: AnthropicHhRow,
    defaultKind: 'conversational-pair',
    outputs: { 'conversational-pair': (row: AnthropicHhRow) => [fromAnthropicHh(row)] },
  },
  alpaca: {
    row: AlpacaRow,
    defaultKind: 'prompt-completion',
    outputs: {
      'prompt-completion': (row: AlpacaRow) => [fromAlpaca(row)],
      conversation: (row: AlpacaRow) => {
        const { prompt, completion } = fromAlpaca(row);
        return [{ messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: completion }] }];
      },
    },
  },
  openai: { row: OpenAiChatRow, defaultKind: 'conversation', outputs: { conversation: (row: OpenAiChatRow) => [fromOpenAiChat(row)] } },
  oasst: {
    row: OasstTree,
    defaultKind: 'ranking',
    outputs: {
      ranking: (row: OasstTree) => fromOasstTree(row).rankings,
      prompt: (row: OasstTree) => fromOasstTree(row).prompts,
      demonstration: (row: OasstTree) => fromOasstTree(row).demonstrations,
    },
  },
  tldr: {
    row: SummarizeComparisonRow,
    defaultKind: 'ranking',
    outputs: {
      ranking: (row: SummarizeComparisonRow) => [fromSummarizeComparison(row).ranking],
      pair: (row: SummarizeComparisonRow) => [fromSummarizeComparison(row).pair],
    },
  },
};

/** Names of the source formats. */
export const SOURCE_FORMAT_NAMES = Object.keys(SOURCE_FORMATS) as SourceFormat[];
