import type { TaskFamily } from '../task-family';
import { positionalAccuracy, wordsOf } from '../text-utils';
import { ENTITY_WORDS, LIST_WORDS } from '../world';

/** Input of the reverse-words family. */
export interface ReverseWordsSpec {
  /** 3–6 distinct lowercase words. */
  readonly words: readonly string[];
}

/** Reverse a list of words. Partial credit: fraction of positions right. */
export const reverseWords: TaskFamily<ReverseWordsSpec> = {
  name: 'reverse-words',
  templates: [
    { text: 'Reverse the order of these words: {words}.' },
    { text: 'Write these words in reverse order: {words}.' },
    { text: 'Here is a list: {words}. Give it back from last to first.' },
    { text: 'Put the words {words} in the opposite order.' },
  ],
  slotPatterns: { words: '[a-z]+(?: [a-z]+)*' },
  sample: (random) => ({ words: random.sample(LIST_WORDS, random.range(3, 6)) }),
  toSlots: (spec) => ({ words: spec.words.join(' ') }),
  accepts: () => true,
  fromSlots: (slots) => ({ words: slots.words!.split(' ') }),
  reference: (spec) => [...spec.words].reverse().join(' '),
  judge(spec, answer) {
    const given = wordsOf(answer);
    const inputs = new Set(spec.words);
    return {
      correctness: positionalAccuracy(given, [...spec.words].reverse()),
      hallucination: given.some((word) => ENTITY_WORDS.has(word) && !inputs.has(word)),
    };
  },
  corrupt(spec, kind, random) {
    const reversed = [...spec.words].reverse();
    switch (kind) {
      case 'partial': {
        const at = random.int(reversed.length - 1);
        [reversed[at], reversed[at + 1]] = [reversed[at + 1]!, reversed[at]!];
        return reversed.join(' ');
      }
      case 'wrong':
        return spec.words.join(' ');
      case 'hallucinate':
        reversed[random.int(reversed.length)] = random.pick(LIST_WORDS.filter((word) => !spec.words.includes(word)));
        return reversed.join(' ');
      case 'violate':
        return `The reversed list is ${reversed.join(', ')}, as you asked.`;
    }
  },
};
