import { InvalidArgumentError } from '@instructkit/core';

/** Role markers and end-of-turn marker of InstructKit's chat template, in id order when added. */
export const CHAT_SPECIAL_TOKENS = ['<|system|>', '<|user|>', '<|assistant|>', '<|end|>'] as const;

/** One turn of a conversation (same shape as core's `ChatMessage`). */
export interface ChatTurn {
  /** Who speaks. */
  readonly role: 'system' | 'user' | 'assistant';
  /** What they say, as plain text: marker strings inside it are encoded as ordinary text. */
  readonly content: string;
}

/** Options of {@link Tokenizer.renderChat}. */
export interface RenderChatOptions {
  /** Append `<|assistant|>\n` so that a model continues with the assistant's reply. Default false. */
  readonly addGenerationPrompt?: boolean;
}

/** A conversation rendered for a model. */
export interface RenderedChat {
  /** The rendered text (for display and logs; `ids` are the truth). */
  readonly text: string;
  /** Token ids of the conversation. */
  readonly ids: number[];
  /**
   * 1 on tokens the model must learn to produce — each assistant turn's content and its
   * `<|end|>` — and 0 elsewhere; `ids.length` entries. Trainers multiply the loss by it.
   */
  readonly assistantMask: Uint8Array;
}

interface ChatEncoder {
  tokenToId(token: string): number | undefined;
  encode(text: string): number[];
}

/**
 * Renders `[{role, content}]` with InstructKit's template:
 * `<|role|>\n{content}<|end|>\n` per turn, then `<|assistant|>\n` when a generation prompt is asked for.
 * Each piece is encoded on its own, so the markers are always single special tokens and the
 * contents can never produce one.
 */
export function renderChatWith(encoder: ChatEncoder, messages: readonly ChatTurn[], options: RenderChatOptions = {}): RenderedChat {
  const markerIds = new Map<string, number>();
  for (const marker of CHAT_SPECIAL_TOKENS) {
    const id = encoder.tokenToId(marker);
    if (id === undefined) {
      throw new InvalidArgumentError(
        'tokenizer',
        `has no ${marker} token; chat needs ${CHAT_SPECIAL_TOKENS.join(' ')} — train with them (the default) or use tokenizer.withSpecialTokens(CHAT_SPECIAL_TOKENS)`,
      );
    }
    markerIds.set(marker, id);
  }
  const newline = encoder.encode('\n');
  let text = '';
  const ids: number[] = [];
  const mask: number[] = [];
  const append = (pieceText: string, pieceIds: readonly number[], learned: 0 | 1) => {
    text += pieceText;
    for (const id of pieceIds) {
      ids.push(id);
      mask.push(learned);
    }
  };
  messages.forEach((message, index) => {
    if (message.role !== 'system' && message.role !== 'user' && message.role !== 'assistant') {
      throw new InvalidArgumentError(`messages[${index}].role`, `must be system, user or assistant, got ${JSON.stringify(message.role)}`);
    }
    if (typeof message.content !== 'string') {
      throw new InvalidArgumentError(`messages[${index}].content`, 'must be a string');
    }
    const learned = message.role === 'assistant' ? 1 : 0;
    const roleMarker = `<|${message.role}|>`;
    append(roleMarker, [markerIds.get(roleMarker)!], 0);
    append('\n', newline, 0);
    append(message.content, encoder.encode(message.content), learned);
    append('<|end|>', [markerIds.get('<|end|>')!], learned);
    append('\n', newline, 0);
  });
  if (options.addGenerationPrompt) {
    append('<|assistant|>', [markerIds.get('<|assistant|>')!], 0);
    append('\n', newline, 0);
  }
  return { text, ids, assistantMask: Uint8Array.from(mask) };
}
