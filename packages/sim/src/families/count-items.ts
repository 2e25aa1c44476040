import type { TaskFamily } from '../task-family';
import { brevityFactor, integersOf } from '../text-utils';
import { CATEGORIES, LIST_WORDS } from '../world';

/** Input of the count-items family. */
export interface CountItemsSpec {
  /** The list, 2–9 distinct words. */
  readonly items: readonly string[];
  /** Count only the words of this category (`fruits`, …); null counts every word. */
  readonly category: string | null;
}

function expectedCount(spec: CountItemsSpec): number {
  if (spec.category === null) return spec.items.length;
  const members = new Set(CATEGORIES[spec.category]);
  return spec.items.filter((item) => members.has(item)).length;
}

/**
 * Count the words of a list, or only those of one category (harder). Half credit
 * when off by one.
 */
export const countItems: TaskFamily<CountItemsSpec> = {
  name: 'count-items',
  templates: [
    { text: 'How many words are in this list: {items}?', fixed: { category: '' } },
    { text: 'Count the items in this list: {items}.', fixed: { category: '' } },
    { text: 'How many {category} are in this list: {items}?' },
    { text: 'Count the {category} among these words: {items}.' },
  ],
  slotPatterns: { items: '[a-z]+(?: [a-z]+)*', category: Object.keys(CATEGORIES).join('|') },
  sample(random) {
    if (random.chance(0.5)) return { items: random.sample(LIST_WORDS, random.range(2, 9)), category: null };
    const category = random.pick(Object.keys(CATEGORIES));
    const members = CATEGORIES[category]!;
    const inside = random.sample(members, random.range(1, 4));
    const outside = random.sample(
      LIST_WORDS.filter((word) => !members.includes(word)),
      random.range(1, 4),
    );
    return { items: random.shuffle([...inside, ...outside]), category };
  },
  toSlots: (spec) => ({ items: spec.items.join(' '), category: spec.category ?? '' }),
  accepts: (spec, template) => (template.fixed === undefined) === (spec.category !== null),
  fromSlots: (slots) => ({ items: slots.items!.split(' '), category: slots.category ? slots.category : null }),
  reference: (spec) => String(expectedCount(spec)),
  judge(spec, answer) {
    const numbers = integersOf(answer);
    if (numbers.length === 0) return { correctness: 0 };
    const distance = Math.abs(numbers[0]! - expectedCount(spec));
    const base = distance === 0 ? 1 : distance === 1 ? 0.5 : 0;
    return { correctness: base * brevityFactor(answer.split(/\s+/).length, 4) };
  },
  corrupt(spec, kind, random) {
    const count = expectedCount(spec);
    switch (kind) {
      case 'partial':
        return String(count === 0 || random.chance(0.5) ? count + 1 : count - 1);
      case 'wrong':
        return String(spec.category !== null && spec.items.length !== count ? spec.items.length : count + 2 + random.int(3));
      case 'hallucinate':
        return String(count + 3 + random.int(5));
      case 'violate':
        return `There are ${count} ${spec.category ?? 'words'} in the list, and I counted them one by one for you.`;
    }
  },
};
