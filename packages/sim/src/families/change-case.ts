import type { TaskFamily } from '../task-family';
import { casedWordsOf, positionalAccuracy } from '../text-utils';
import { ENTITY_WORDS, LIST_WORDS } from '../world';

/** Input of the change-case family. */
export interface ChangeCaseSpec {
  /** 2–5 words as given (lowercase when `toUpper`, uppercase otherwise). */
  readonly words: readonly string[];
  /** Convert to capitals (else to lowercase). */
  readonly toUpper: boolean;
}

function converted(spec: ChangeCaseSpec): string[] {
  return spec.words.map((word) => (spec.toUpper ? word.toUpperCase() : word.toLowerCase()));
}

/** Change words to upper or lower case. Half credit for a right word in the wrong case. */
export const changeCase: TaskFamily<ChangeCaseSpec> = {
  name: 'change-case',
  templates: [
    { text: 'Write these words in capital letters: {words}.', fixed: { direction: 'upper' } },
    { text: 'Make {words} all uppercase.', fixed: { direction: 'upper' } },
    { text: 'Write these words in small letters: {words}.', fixed: { direction: 'lower' } },
    { text: 'Change {words} to lowercase.', fixed: { direction: 'lower' } },
  ],
  slotPatterns: { words: '[A-Za-z]+(?: [A-Za-z]+)*' },
  sample(random) {
    const toUpper = random.chance(0.5);
    const words = random.sample(LIST_WORDS, random.range(2, 5));
    return { words: toUpper ? words : words.map((word) => word.toUpperCase()), toUpper };
  },
  toSlots: (spec) => ({ words: spec.words.join(' '), direction: spec.toUpper ? 'upper' : 'lower' }),
  accepts: (spec, template) => template.fixed?.direction === (spec.toUpper ? 'upper' : 'lower'),
  fromSlots: (slots) => ({ words: slots.words!.split(' '), toUpper: slots.direction === 'upper' }),
  reference: (spec) => converted(spec).join(' '),
  judge(spec, answer) {
    const given = casedWordsOf(answer);
    const expected = converted(spec);
    const exact = positionalAccuracy(given, expected);
    const ignoringCase = positionalAccuracy(
      given.map((word) => word.toLowerCase()),
      expected.map((word) => word.toLowerCase()),
    );
    const inputs = new Set(spec.words.map((word) => word.toLowerCase()));
    return {
      correctness: exact + 0.5 * (ignoringCase - exact),
      hallucination: given.some((word) => ENTITY_WORDS.has(word.toLowerCase()) && !inputs.has(word.toLowerCase())),
    };
  },
  corrupt(spec, kind, random) {
    const answer = converted(spec);
    switch (kind) {
      case 'partial': {
        const at = random.int(answer.length);
        answer[at] = spec.words[at]!;
        return answer.join(' ');
      }
      case 'wrong':
        return spec.words.join(' ');
      case 'hallucinate': {
        const invented = random.pick(LIST_WORDS.filter((word) => !spec.words.includes(word) && !spec.words.includes(word.toUpperCase())));
        answer.push(spec.toUpper ? invented.toUpperCase() : invented);
        return answer.join(' ');
      }
      case 'violate':
        return `Here you go: ${answer.join(', ')}. Have a nice day.`;
    }
  },
};
