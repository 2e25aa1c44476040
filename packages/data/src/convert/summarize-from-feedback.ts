import { z } from 'zod';
import type { PreferencePair } from '../records/preference-pair';
import type { Ranking } from '../records/ranking';

/**
 * A row of OpenAI's summarize-from-feedback `comparisons` data (Stiennon et al. 2020):
 * a Reddit post (or news article), two summaries, and the labeler's `choice`.
 */
export const SummarizeComparisonRow = z.object({
  info: z.object({
    /** Post id. */
    id: z.string().min(1),
    /** Reddit post body (TL;DR rows). */
    post: z.string().nullish(),
    /** Article body (CNN/DM rows). */
    article: z.string().nullish(),
    title: z.string().nullish(),
    subreddit: z.string().nullish(),
  }),
  /** The two summaries, each with the policy that wrote it. */
  summaries: z.array(z.object({ text: z.string(), policy: z.string().min(1) })).length(2),
  /** Index of the preferred summary. */
  choice: z.union([z.literal(0), z.literal(1)]),
  /** Labeler id. */
  worker: z.string().optional(),
});
/** A summarize-from-feedback comparison (inferred from {@link SummarizeComparisonRow}). */
export type SummarizeComparisonRow = z.infer<typeof SummarizeComparisonRow>;

/**
 * The prompt text the summarization papers used:
 * `SUBREDDIT: r/…\nTITLE: …\nPOST: …\nTL;DR:` (or `ARTICLE: …\nTL;DR:` for news).
 */
export function formatSummarizePrompt(info: SummarizeComparisonRow['info']): string {
  if (info.post == null && info.article != null) return `ARTICLE: ${info.article}\nTL;DR:`;
  return `SUBREDDIT: r/${info.subreddit ?? ''}\nTITLE: ${info.title ?? ''}\nPOST: ${info.post ?? ''}\nTL;DR:`;
}

/**
 * Converts a summarize-from-feedback comparison to a K = 2 {@link Ranking} and the
 * equivalent {@link PreferencePair}, both keyed by the post id. Summaries get a
 * leading space trimmed, as the papers' prompts end in `TL;DR:`.
 */
export function fromSummarizeComparison(row: SummarizeComparisonRow): { promptText: string; ranking: Ranking; pair: PreferencePair } {
  const promptText = formatSummarizePrompt(row.info);
  const completions = row.summaries.map((summary) => ({ text: summary.text.replace(/^ /, ''), policy: summary.policy }));
  const other = row.choice === 0 ? 1 : 0;
  return {
    promptText,
    ranking: { promptId: row.info.id, completions, order: [[row.choice], [other]], labelerId: row.worker ?? 'unknown' },
    pair: { prompt: promptText, chosen: completions[row.choice]!.text, rejected: completions[other]!.text, promptId: row.info.id },
  };
}
