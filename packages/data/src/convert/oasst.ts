import { z } from 'zod';
import type { ChatMessage } from '../records/chat-message';
import type { Demonstration } from '../records/demonstration';
import type { Prompt } from '../records/prompt';
import { MAX_RANKED_COMPLETIONS, type Ranking } from '../records/ranking';

/** One message of an OpenAssistant (OASST) message tree, with its replies. */
export interface OasstMessage {
  readonly message_id: string;
  readonly text: string;
  readonly role: 'prompter' | 'assistant';
  /** 0 = best among its siblings; absent or null when the message was not ranked. */
  readonly rank?: number | null | undefined;
  readonly user_id?: string | undefined;
  readonly created_date?: string | undefined;
  readonly replies?: readonly OasstMessage[] | undefined;
}

/** Schema of an {@link OasstMessage} (recursive). */
export const OasstMessage: z.ZodType<OasstMessage> = z.lazy(() =>
  z.object({
    message_id: z.string().min(1),
    text: z.string(),
    role: z.enum(['prompter', 'assistant']),
    rank: z.number().int().nonnegative().nullable().optional(),
    user_id: z.string().optional(),
    created_date: z.string().optional(),
    replies: z.array(OasstMessage).optional(),
  }),
);

/** A row of an OASST `*.trees.jsonl` export: one message tree rooted at a prompt. */
export const OasstTree = z.object({
  /** Id of the tree. */
  message_tree_id: z.string().optional(),
  /** The root prompt and, under `replies`, everything below it. */
  prompt: OasstMessage,
});
/** An OASST tree row (inferred from {@link OasstTree}). */
export type OasstTree = z.infer<typeof OasstTree>;

/** Settings of {@link fromOasstTree}. */
export interface FromOasstTreeOptions {
  /** `createdAt` for prompts whose message has no valid `created_date`. Default: `1970-01-01T00:00:00Z`. */
  readonly defaultCreatedAt?: string;
  /** `labelerId` of the rankings (OASST ranks aggregate many volunteers). Default: `oasst`. */
  readonly labelerId?: string;
  /** `policy` of every completion. Default: `human`. */
  readonly policy?: string;
}

function toIsoDate(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  const time = Date.parse(value);
  return Number.isNaN(time) ? fallback : new Date(time).toISOString();
}

/**
 * Turns an OASST message tree into InstructKit records: every prompter message with at
 * least two ranked assistant replies gives a {@link Prompt} (the conversation up to it)
 * and a {@link Ranking} of those replies (equal ranks are ties; only the best
 * {@link MAX_RANKED_COMPLETIONS} are kept); every rank-0 reply gives a
 * {@link Demonstration}. Unranked replies are skipped.
 */
export function fromOasstTree(
  tree: OasstTree,
  options: FromOasstTreeOptions = {},
): { prompts: Prompt[]; rankings: Ranking[]; demonstrations: Demonstration[] } {
  const defaultCreatedAt = options.defaultCreatedAt ?? '1970-01-01T00:00:00.000Z';
  const labelerId = options.labelerId ?? 'oasst';
  const policy = options.policy ?? 'human';
  const prompts: Prompt[] = [];
  const rankings: Ranking[] = [];
  const demonstrations: Demonstration[] = [];

  const visit = (message: OasstMessage, history: ChatMessage[]) => {
    const turn: ChatMessage = { role: message.role === 'prompter' ? 'user' : 'assistant', content: message.text };
    const conversation = [...history, turn];
    const replies = message.replies ?? [];
    if (message.role === 'prompter') {
      const ranked = replies
        .filter((reply) => reply.role === 'assistant' && typeof reply.rank === 'number')
        .sort((left, right) => left.rank! - right.rank!)
        .slice(0, MAX_RANKED_COMPLETIONS);
      if (ranked.length >= 2 || ranked.some((reply) => reply.rank === 0)) {
        const base = {
          id: message.message_id,
          userId: message.user_id ?? 'oasst',
          source: 'oasst',
          createdAt: toIsoDate(message.created_date, defaultCreatedAt),
        };
        prompts.push(history.length === 0 ? { ...base, text: message.text } : { ...base, messages: conversation });
      }
      if (ranked.length >= 2) {
        const groups = new Map<number, number[]>();
        ranked.forEach((reply, index) => groups.set(reply.rank!, [...(groups.get(reply.rank!) ?? []), index]));
        rankings.push({
          promptId: message.message_id,
          completions: ranked.map((reply) => ({ text: reply.text, policy })),
          order: [...groups.entries()].sort(([left], [right]) => left - right).map(([, indices]) => indices),
          labelerId,
        });
      }
      for (const reply of ranked) {
        if (reply.rank === 0) demonstrations.push({ promptId: message.message_id, completion: reply.text, labelerId: reply.user_id ?? labelerId });
      }
    }
    for (const reply of replies) visit(reply, conversation);
  };
  visit(tree.prompt, []);
  return { prompts, rankings, demonstrations };
}
