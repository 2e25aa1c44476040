import type { TaskFamily } from '../task-family';
import { brevityFactor, wordsOf } from '../text-utils';
import { ENTITY_WORDS, LIST_WORDS, ORDINALS } from '../world';

/** Input of the k-th word family. */
export interface KthWordSpec {
  /** 3–7 distinct words. */
  readonly words: readonly string[];
  /** 0-based position asked for (0 = "first"). */
  readonly position: number;
}

/** Extract the k-th word of a list. A quarter credit for a neighbour of the right word. */
export const kthWord: TaskFamily<KthWordSpec> = {
  name: 'kth-word',
  templates: [
    { text: 'What is the {ordinal} word in this list: {words}?' },
    { text: 'Give the {ordinal} word of: {words}.' },
    { text: 'Which word comes {ordinal} in {words}?' },
  ],
  slotPatterns: { words: '[a-z]+(?: [a-z]+)*', ordinal: ORDINALS.join('|') },
  sample(random) {
    const words = random.sample(LIST_WORDS, random.range(3, 7));
    return { words, position: random.int(words.length) };
  },
  toSlots: (spec) => ({ words: spec.words.join(' '), ordinal: ORDINALS[spec.position]! }),
  accepts: () => true,
  fromSlots(slots) {
    const words = slots.words!.split(' ');
    const position = (ORDINALS as readonly string[]).indexOf(slots.ordinal!);
    return position >= 0 && position < words.length ? { words, position } : undefined;
  },
  reference: (spec) => spec.words[spec.position]!,
  judge(spec, answer) {
    const given = wordsOf(answer);
    const inputs = new Set(spec.words);
    const named = given.filter((word) => inputs.has(word));
    const expected = spec.words[spec.position]!;
    const neighbours = new Set([spec.words[spec.position - 1], spec.words[spec.position + 1]]);
    let base = 0;
    if (named.includes(expected)) base = 1 / new Set(named).size;
    else if (named.length === 1 && neighbours.has(named[0])) base = 0.25;
    return {
      correctness: base * brevityFactor(given.length, 3),
      hallucination: given.some((word) => ENTITY_WORDS.has(word) && !inputs.has(word)),
    };
  },
  corrupt(spec, kind, random) {
    const { words, position } = spec;
    switch (kind) {
      case 'partial':
        return words[position === 0 ? 1 : position === words.length - 1 ? position - 1 : position + (random.chance(0.5) ? 1 : -1)]!;
      case 'wrong': {
        const others = words.filter((_, index) => Math.abs(index - position) > 1);
        return others.length > 0 ? random.pick(others) : words.join(' ');
      }
      case 'hallucinate':
        return random.pick(LIST_WORDS.filter((word) => !words.includes(word)));
      case 'violate':
        return `The ${ORDINALS[position]} word is ${words[position]}, and the whole list was ${words.join(' ')}.`;
    }
  },
};
