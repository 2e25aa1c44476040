import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type TokenBatch } from '@instructkit/core';
import { tokenStringToBytes } from './byte-level';
import { BpeModel } from './bpe-model';
import { renderChatWith, type ChatTurn, type RenderChatOptions, type RenderedChat } from './chat-template';
import { splitGpt2 } from './gpt2-splitter';
import { specialTokenPattern } from './special-token-pattern';
import { serializeTokenizerConfig, serializeTokenizerJson } from './hf-tokenizer-json';
import type { AddedToken, TokenizerSpec } from './tokenizer-spec';

/** Which special tokens `encode` may produce from their text. */
export type AllowedSpecial = 'all' | ReadonlySet<string> | readonly string[];

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Special tokens (`<|endoftext|>`, chat markers) whose text is encoded as the special
   * token. Any other special token's text is encoded as ordinary text, so user content
   * cannot inject one. Default: none.
   */
  readonly allowedSpecial?: AllowedSpecial;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Leave special tokens out of the text. Default false. */
  readonly skipSpecialTokens?: boolean;
}

/** Options of {@link Tokenizer.encodeBatch}. */
export interface EncodeBatchOptions extends EncodeOptions {
  /** Side padding goes on: `right` for training, `left` for generation. Default `right`. */
  readonly padding?: 'left' | 'right';
  /** Longest sequence allowed, in tokens. Default: no limit. */
  readonly maxLength?: number;
  /**
   * What to do with a sequence longer than `maxLength`: `true` or `'right'` drops tokens
   * at the end, `'left'` drops them at the start (keeps a prompt's end for generation),
   * `false` throws. Default false.
   */
  readonly truncation?: boolean | 'left' | 'right';
  /** Pad every row to `maxLength` instead of to the longest row. Default false. */
  readonly padToMaxLength?: boolean;
}

/** Decodes token ids one at a time (see {@link Tokenizer.createStreamDecoder}). */
export interface TokenStreamDecoder {
  /** Text completed by this token; '' while a character's bytes are still incomplete. */
  push(id: number): string;
  /** The rest of the text; an unfinished character becomes U+FFFD. */
  flush(): string;
}

const MAX_ID = 0x7ffffffe;

/**
 * A byte-level BPE tokenizer (GPT-2's scheme): text → UTF-8 bytes → GPT-2
 * pre-tokenization → merges by rank. Every string round-trips: `decode(encode(text)) === text`
 * for any well-formed Unicode text. Build one with `loadTokenizer` or `trainTokenizer`.
 */
export class Tokenizer {
  /** Number of ids: highest id + 1 (model vocabulary and added tokens). */
  readonly vocabSize: number;
  /** Id of the end-of-sequence token, or `undefined` when the tokenizer has none. */
  readonly eosTokenId: number | undefined;
  /** Id used for padding: the pad token's, else `eosTokenId`. */
  readonly padTokenId: number | undefined;
  /** The description this tokenizer was built from (what `save` writes). */
  readonly spec: TokenizerSpec;

  private readonly model: BpeModel;
  private readonly idToTokenTable: (string | undefined)[];
  private readonly tokenToIdTable = new Map<string, number>();
  private readonly idBytes: (Uint8Array | undefined)[];
  private readonly specialIds = new Set<number>();
  private readonly specialTokens: string[];
  private readonly alwaysSplit: string[];
  private readonly splitterCache = new Map<string, RegExp | null>();
  // ignoreBOM: keep a leading U+FEFF; the default would silently drop it and break round trips.
  private readonly utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly utf8Encoder = new TextEncoder();

  /**
   * Builds a tokenizer from its description. Prefer `loadTokenizer`, which reports file errors.
   * @throws InvalidArgumentError when the description is inconsistent (a merge of unknown tokens, a bad id).
   */
  constructor(spec: TokenizerSpec) {
    this.spec = spec;
    let highest = -1;
    const checkId = (id: number, where: string) => {
      if (!Number.isInteger(id) || id < 0 || id > MAX_ID) throw new InvalidArgumentError(where, `id must be a non-negative integer, got ${id}`);
      if (id > highest) highest = id;
    };
    for (const [token, id] of spec.vocab) checkId(id, `vocab[${JSON.stringify(token)}]`);
    spec.addedTokens.forEach((added, index) => checkId(added.id, `addedTokens[${index}]`));
    this.vocabSize = highest + 1;
    this.idToTokenTable = new Array(this.vocabSize);
    this.idBytes = new Array(this.vocabSize);
    for (const [token, id] of spec.vocab) {
      this.idToTokenTable[id] = token;
      this.tokenToIdTable.set(token, id);
      this.idBytes[id] = tokenStringToBytes(token) ?? this.utf8Encoder.encode(token);
    }
    for (const added of spec.addedTokens) {
      this.idToTokenTable[added.id] = added.content;
      this.tokenToIdTable.set(added.content, added.id);
      this.idBytes[added.id] = this.utf8Encoder.encode(added.content);
      if (added.special) this.specialIds.add(added.id);
    }
    // Longest first, so that a marker that contains another one wins (leftmost-longest, as HF).
    const byLength = (a: AddedToken, b: AddedToken) => b.content.length - a.content.length;
    this.specialTokens = spec.addedTokens.filter((added) => added.special).sort(byLength).map((added) => added.content);
    this.alwaysSplit = spec.addedTokens.filter((added) => !added.special).sort(byLength).map((added) => added.content);

    const mergeIds = spec.merges.map(([left, right], rank): [number, number, number] => {
      const leftId = spec.vocab.get(left);
      const rightId = spec.vocab.get(right);
      const resultId = spec.vocab.get(left + right);
      if (leftId === undefined || rightId === undefined || resultId === undefined) {
        const missing = leftId === undefined ? left : rightId === undefined ? right : left + right;
        throw new InvalidArgumentError(`merges[${rank}]`, `${JSON.stringify(missing)} is not in the vocabulary`);
      }
      return [leftId, rightId, resultId];
    });
    let unknownId = -1;
    if (spec.unknownToken !== undefined) {
      const id = this.tokenToIdTable.get(spec.unknownToken);
      if (id === undefined) throw new InvalidArgumentError('unknownToken', `${JSON.stringify(spec.unknownToken)} is not in the vocabulary`);
      unknownId = id;
    }
    this.model = new BpeModel(spec.vocab, mergeIds, unknownId, spec.ignoreMerges ?? false);
    this.eosTokenId = this.optionalTokenId(spec.eosToken, 'eosToken');
    this.padTokenId = this.optionalTokenId(spec.padToken, 'padToken') ?? this.eosTokenId;
  }

  private optionalTokenId(token: string | undefined, field: string): number | undefined {
    if (token === undefined) return undefined;
    const id = this.tokenToIdTable.get(token);
    if (id === undefined) throw new InvalidArgumentError(field, `${JSON.stringify(token)} is not in the vocabulary`);
    return id;
  }

  /**
   * Encodes text to token ids.
   * @example
   * tokenizer.encode('Hello world');                      // [15496, 995] with gpt2
   * tokenizer.encode('<|endoftext|>', { allowedSpecial: 'all' }); // [50256]
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new InvalidArgumentError('text', `must be a string, got ${typeof text}`);
    const out: number[] = [];
    const splitter = this.splitterFor(options.allowedSpecial);
    if (splitter === null) {
      this.encodeOrdinary(text, out);
      return out;
    }
    splitter.lastIndex = 0;
    let start = 0;
    for (let match = splitter.exec(text); match !== null; match = splitter.exec(text)) {
      if (match.index > start) this.encodeOrdinary(text.slice(start, match.index), out);
      out.push(this.tokenToIdTable.get(match[0])!);
      start = match.index + match[0].length;
    }
    if (start < text.length) this.encodeOrdinary(start === 0 ? text : text.slice(start), out);
    return out;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    if (this.spec.addPrefixSpace && text.length > 0 && text.charCodeAt(0) !== 0x20) text = ' ' + text;
    const model = this.model;
    splitGpt2(text, (start, end) => model.encodePiece(text.slice(start, end), out));
  }

  private splitterFor(allowed: AllowedSpecial | undefined): RegExp | null {
    let tokens: string[];
    if (allowed === undefined) tokens = [];
    else if (allowed === 'all') tokens = this.specialTokens;
    else {
      const allowedSet = allowed instanceof Set ? allowed : new Set(allowed as readonly string[]);
      tokens = this.specialTokens.filter((token) => allowedSet.has(token));
    }
    if (this.alwaysSplit.length > 0) tokens = [...tokens, ...this.alwaysSplit].sort((a, b) => b.length - a.length);
    if (tokens.length === 0) return null;
    const key = tokens.join('\u0000');
    let splitter = this.splitterCache.get(key);
    if (splitter === undefined) {
      splitter = specialTokenPattern(tokens);
      if (this.splitterCache.size > 64) this.splitterCache.clear();
      this.splitterCache.set(key, splitter);
    }
    return splitter;
  }

  /**
   * Decodes ids to text. Byte sequences that are not valid UTF-8 (a sequence cut inside a
   * character) become U+FFFD.
   * @throws InvalidArgumentError when an id is not in the vocabulary.
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skipSpecial = options.skipSpecialTokens ?? false;
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.idBytes[ids[i]!];
      if (bytes === undefined) throw new InvalidArgumentError(`ids[${i}]`, `${ids[i]} is not a token id (vocabulary size ${this.vocabSize})`);
      if (!(skipSpecial && this.specialIds.has(ids[i]!))) total += bytes.length;
    }
    const buffer = new Uint8Array(total);
    let offset = 0;
    for (let i = 0; i < ids.length; i++) {
      if (skipSpecial && this.specialIds.has(ids[i]!)) continue;
      const bytes = this.idBytes[ids[i]!]!;
      buffer.set(bytes, offset);
      offset += bytes.length;
    }
    return this.utf8Decoder.decode(buffer);
  }

  /**
   * An incremental decoder for streaming generation: `push(id)` returns the text completed
   * by that token — possibly '' while a multi-byte character is still cut between tokens —
   * and `flush()` returns what is left (U+FFFD for an unfinished character).
   * @example
   * const stream = tokenizer.createStreamDecoder();
   * for await (const id of generated) process.stdout.write(stream.push(id));
   * process.stdout.write(stream.flush());
   */
  createStreamDecoder(options: DecodeOptions = {}): TokenStreamDecoder {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const skipSpecial = options.skipSpecialTokens ?? false;
    return {
      push: (id: number) => {
        const bytes = this.idBytes[id];
        if (bytes === undefined) throw new InvalidArgumentError('id', `${id} is not a token id (vocabulary size ${this.vocabSize})`);
        if (skipSpecial && this.specialIds.has(id)) return '';
        return decoder.decode(bytes, { stream: true });
      },
      flush: () => decoder.decode(),
    };
  }

  /**
   * The raw bytes a token stands for (UTF-8 of an added token's text), e.g. for streaming
   * decoders that must wait for a character's last byte. `undefined` for an unknown id.
   */
  tokenBytes(id: number): Uint8Array | undefined {
    return this.idBytes[id];
  }

  /** Id of a token given in vocabulary form (`Ġthe`, `<|endoftext|>`), or `undefined`. */
  tokenToId(token: string): number | undefined {
    return this.tokenToIdTable.get(token);
  }

  /** Vocabulary form of a token id (`Ġthe` for GPT-2's 262), or `undefined` for an unknown id. */
  idToToken(id: number): string | undefined {
    return this.idToTokenTable[id];
  }

  /** Whether the id is a special token (end of text, chat marker). */
  isSpecialId(id: number): boolean {
    return this.specialIds.has(id);
  }

  /**
   * Encodes several texts into one padded `[batchSize, length]` batch (core's `TokenBatch`).
   * Rows are padded with `padTokenId` (0 when the tokenizer has none) and marked 0 in
   * `attentionMask`.
   * @throws InvalidArgumentError when a row exceeds `maxLength` and `truncation` is off.
   */
  encodeBatch(texts: readonly string[], options: EncodeBatchOptions = {}): TokenBatch {
    if (!Array.isArray(texts)) throw new InvalidArgumentError('texts', 'must be an array of strings');
    const padding = options.padding ?? 'right';
    if (padding !== 'left' && padding !== 'right') throw new InvalidArgumentError('padding', `must be 'left' or 'right', got ${JSON.stringify(padding)}`);
    const maxLength = options.maxLength;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) {
      throw new InvalidArgumentError('maxLength', `must be a positive integer, got ${maxLength}`);
    }
    if (options.padToMaxLength && maxLength === undefined) throw new InvalidArgumentError('padToMaxLength', 'needs maxLength');
    const truncation = options.truncation === true ? 'right' : options.truncation || undefined;
    const rows = texts.map((text, index) => {
      const ids = this.encode(text, options);
      if (maxLength === undefined || ids.length <= maxLength) return ids;
      if (truncation === undefined) {
        throw new InvalidArgumentError(`texts[${index}]`, `has ${ids.length} tokens, more than maxLength ${maxLength}; set truncation to cut it`);
      }
      return truncation === 'right' ? ids.slice(0, maxLength) : ids.slice(ids.length - maxLength);
    });
    const length = options.padToMaxLength ? maxLength! : rows.reduce((longest, row) => Math.max(longest, row.length), 0);
    const ids = new Int32Array(rows.length * length).fill(this.padTokenId ?? 0);
    const attentionMask = new Uint8Array(rows.length * length);
    rows.forEach((row, index) => {
      const offset = index * length + (padding === 'left' ? length - row.length : 0);
      ids.set(row, offset);
      attentionMask.fill(1, offset, offset + row.length);
    });
    return { batchSize: rows.length, length, ids, attentionMask };
  }

  /**
   * Renders a conversation with InstructKit's chat template — `<|role|>\n{content}<|end|>\n`
   * per turn — to text and ids, with `assistantMask` marking what a model must learn to say.
   * @throws InvalidArgumentError when the tokenizer lacks the chat markers or a message is malformed.
   * @example
   * const { ids, assistantMask } = tokenizer.renderChat([
   *   { role: 'user', content: 'Name a colour.' },
   *   { role: 'assistant', content: 'Teal.' },
   * ]);
   */
  renderChat(messages: readonly ChatTurn[], options: RenderChatOptions = {}): RenderedChat {
    return renderChatWith(this, messages, options);
  }

  /**
   * A new tokenizer with these special tokens appended (ids from `vocabSize` on); tokens
   * already present keep their ids. Models must grow their embeddings to the new `vocabSize`.
   */
  withSpecialTokens(tokens: readonly string[]): Tokenizer {
    const addedTokens = [...this.spec.addedTokens];
    let nextId = this.vocabSize;
    for (const content of tokens) {
      if (typeof content !== 'string' || content.length === 0) throw new InvalidArgumentError('tokens', 'special tokens must be non-empty strings');
      if (this.tokenToIdTable.has(content) || addedTokens.some((added) => added.content === content)) continue;
      addedTokens.push({ id: nextId++, content, special: true });
    }
    return new Tokenizer({ ...this.spec, addedTokens });
  }

  /** The tokenizer as a Hugging Face `tokenizer.json` document (text, 2-space indented). */
  toTokenizerJson(): string {
    return serializeTokenizerJson(this.spec);
  }

  /**
   * Saves in Hugging Face's format. A path ending in `.json` gets `tokenizer.json` content;
   * any other path is a directory (created if needed) that receives `tokenizer.json` and a
   * `tokenizer_config.json` naming the end and pad tokens. `loadTokenizer` reads both back.
   */
  save(target: string): void {
    if (target.endsWith('.json')) {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, this.toTokenizerJson());
      return;
    }
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, 'tokenizer.json'), this.toTokenizerJson());
    writeFileSync(path.join(target, 'tokenizer_config.json'), serializeTokenizerConfig(this.spec));
  }
}
