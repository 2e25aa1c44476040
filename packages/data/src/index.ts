/**
 * @packageDocumentation
 * InstructGPT record formats, streaming JSONL I/O with file:line:field errors, converters, prompt hygiene and collation.
 */
// Records: zod schemas, each with an inferred type of the same name.
export { ChatMessage, ChatMessages } from './records/chat-message';
export { IsoDateTime } from './records/iso-date-time';
export { Prompt } from './records/prompt';
export { Demonstration } from './records/demonstration';
export { Ranking, RankedCompletion, ranksOf, MIN_RANKED_COMPLETIONS, MAX_RANKED_COMPLETIONS } from './records/ranking';
export { Rating, RatingFlags, RATING_FLAG_NAMES } from './records/rating';
export { PreferencePair, ConversationalPreferencePair } from './records/preference-pair';
export { ConversationRecord, PromptCompletion } from './records/conversation-record';
export { RECORD_SCHEMAS, RECORD_KINDS, type RecordKind } from './records/record-kinds';
// Reading, validating and writing record files.
export { readRecords, readRecordEntries, formatRejectsLine, type RecordEntry, isGzipPath, isJsonArrayPath, type ReadRecordsOptions, type RecordReader, type ReadSummary, type ReadProgress, type RejectedRecord } from './io/read-records';
export { createRecordWriter, writeRecords, type RecordWriter, type WriteRecordsOptions } from './io/write-records';
export { validateRecord, formatFieldPath, type ValidationResult } from './io/validate-record';
// Converters from public formats, and rankings ⇄ pairs.
export { TrlPreferenceRow, TrlSftRow, fromTrlPreference, toTrlPreference, fromTrlSft, toTrlSft, isConversationalPair } from './convert/trl';
export { AnthropicHhRow, fromAnthropicHh, toAnthropicHh, parseHhTranscript, renderHhTranscript } from './convert/anthropic-hh';
export { AlpacaRow, fromAlpaca, toAlpaca } from './convert/alpaca';
export { OpenAiChatRow, fromOpenAiChat, toOpenAiChat } from './convert/openai-chat';
export { OasstMessage, OasstTree, fromOasstTree, type FromOasstTreeOptions } from './convert/oasst';
export { SummarizeComparisonRow, fromSummarizeComparison, formatSummarizePrompt } from './convert/summarize-from-feedback';
export { rankingToPairs, pairsToRankings, type PairsToRankingsOptions } from './convert/ranking-pairs';
export { SOURCE_FORMATS, SOURCE_FORMAT_NAMES, type SourceFormat, type SourceFormatSpec } from './convert/source-formats';
export { convertFile, type ConvertFileOptions, type ConvertSummary } from './convert/convert-file';
export { promptMessages, demonstrationToConversation } from './convert/demonstration-to-conversation';
// Prompt hygiene (InstructGPT §3.2).
export { scrubPii, isLuhnValid, isIbanValid, PII_TYPES, type PiiType, type PiiFinding, type ScrubResult, type ScrubPiiOptions } from './hygiene/scrub-pii';
export { dedupeByPrefix, type DedupeByPrefixOptions, type DedupeResult } from './hygiene/dedupe-by-prefix';
export { capPerUser, type CapPerUserOptions } from './hygiene/cap-per-user';
export { splitByUser, type SplitByUserOptions, type UserSplit } from './hygiene/split-by-user';
export { promptText } from './hygiene/prompt-text';
export { seededHash } from './hygiene/seeded-hash';
export { scrubPrompt, type PromptPiiFinding } from './hygiene/scrub-prompt';
export { cleanPrompts, type CleanPromptsOptions, type CleanPromptsReport } from './hygiene/clean-prompts';
// Collation into core's TokenBatch and training tasks.
export { collateLanguageModeling, type CollateLanguageModelingOptions } from './collate/collate-language-modeling';
export { collatePrompts, type CollatePromptsOptions } from './collate/collate-prompts';
export { packSequences, type PackSequencesOptions, type PackedSequences } from './collate/pack-sequences';
export { collateRankings, type CollateRankingsOptions, type TokenizedRanking } from './collate/collate-rankings';
export { tokenizePromptCompletion, tokenizeConversation, tokenizeRanking, type TokenEncoder, type ChatRenderer, type MaskedTokens } from './collate/tokenize';
export type { TokenMask } from './collate/check-sequences';
