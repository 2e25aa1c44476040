import type { TaskFamily } from '../task-family';
import { wordsOf } from '../text-utils';
import { CATEGORIES } from '../world';

const COUNT_WORDS = ['two', 'three', 'four'] as const;

/** Input of the constrained-list family. */
export interface ConstrainedListSpec {
  /** Items to name, 2–4. */
  readonly count: number;
  /** Category name (`fruits`, …). */
  readonly category: string;
  /** `max-words`: answer in at most `limit` words; `avoid-word`: never use `word`. */
  readonly constraint: { readonly kind: 'max-words'; readonly limit: number } | { readonly kind: 'avoid-word'; readonly word: string };
}

function validItems(spec: ConstrainedListSpec): string[] {
  const members = CATEGORIES[spec.category]!;
  return spec.constraint.kind === 'avoid-word' ? members.filter((item) => item !== (spec.constraint as { word: string }).word) : [...members];
}

function constraintHolds(spec: ConstrainedListSpec, words: readonly string[]): boolean {
  return spec.constraint.kind === 'max-words' ? words.length <= spec.constraint.limit : !words.includes(spec.constraint.word);
}

/**
 * Name N items of a category under an explicit constraint ("in at most N words",
 * "do not use the word X"). Credit: distinct right items (up to N) over the longer of
 * N and the answer's length; a broken constraint keeps 40% of it.
 */
export const constrainedList: TaskFamily<ConstrainedListSpec> = {
  name: 'constrained-list',
  templates: [
    { text: 'Name {count} {category} in at most {limit} words.', fixed: { constraint: 'max-words' } },
    { text: 'List {count} {category}. Use no more than {limit} words.', fixed: { constraint: 'max-words' } },
    { text: 'Name {count} {category} without using the word {word}.', fixed: { constraint: 'avoid-word' } },
    { text: 'List {count} {category}, but do not use the word {word}.', fixed: { constraint: 'avoid-word' } },
  ],
  slotPatterns: { count: COUNT_WORDS.join('|'), category: Object.keys(CATEGORIES).join('|'), limit: '\\d+', word: '[a-z]+' },
  sample(random) {
    const count = random.range(2, 4);
    const category = random.pick(Object.keys(CATEGORIES));
    return {
      count,
      category,
      constraint: random.chance(0.5)
        ? { kind: 'max-words', limit: count + random.int(3) }
        : { kind: 'avoid-word', word: CATEGORIES[category]![random.int(count + 1)]! },
    };
  },
  toSlots: (spec) => ({
    count: COUNT_WORDS[spec.count - 2]!,
    category: spec.category,
    constraint: spec.constraint.kind,
    ...(spec.constraint.kind === 'max-words' ? { limit: String(spec.constraint.limit) } : { word: spec.constraint.word }),
  }),
  accepts: (spec, template) => template.fixed?.constraint === spec.constraint.kind,
  fromSlots(slots) {
    const count = (COUNT_WORDS as readonly string[]).indexOf(slots.count!) + 2;
    const constraint =
      slots.constraint === 'max-words'
        ? ({ kind: 'max-words', limit: Number(slots.limit) } as const)
        : ({ kind: 'avoid-word', word: slots.word! } as const);
    return { count, category: slots.category!, constraint };
  },
  reference: (spec) => validItems(spec).slice(0, spec.count).join(' '),
  judge(spec, answer) {
    const words = wordsOf(answer);
    const valid = new Set(validItems(spec));
    const named = new Set(words.filter((word) => valid.has(word)));
    const base = Math.min(named.size, spec.count) / Math.max(spec.count, words.length);
    const satisfied = constraintHolds(spec, words);
    return { correctness: satisfied ? base : 0.4 * base, constraintSatisfied: satisfied };
  },
  corrupt(spec, kind, random) {
    const items = random.shuffle(validItems(spec)).slice(0, spec.count);
    switch (kind) {
      case 'partial':
        return items.slice(0, spec.count - 1).join(' ');
      case 'wrong': {
        const other = random.pick(Object.keys(CATEGORIES).filter((name) => name !== spec.category));
        return CATEGORIES[other]!.slice(0, spec.count).join(' ');
      }
      case 'hallucinate': {
        const other = random.pick(Object.keys(CATEGORIES).filter((name) => name !== spec.category));
        return [...items.slice(0, spec.count - 1), random.pick(CATEGORIES[other]!)].join(' ');
      }
      case 'violate':
        return spec.constraint.kind === 'max-words'
          ? `Here are ${COUNT_WORDS[spec.count - 2]} ${spec.category}: ${items.join(' ')}`
          : [spec.constraint.word, ...items.slice(0, spec.count - 1)].join(' ');
    }
  },
};
