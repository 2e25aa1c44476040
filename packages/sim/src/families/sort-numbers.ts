import type { TaskFamily } from '../task-family';
import { integersOf, positionalAccuracy } from '../text-utils';

/** Input of the sort-numbers family. */
export interface SortNumbersSpec {
  /** 3–6 distinct integers in 0 … 99, in the order given. */
  readonly numbers: readonly number[];
  /** Largest first instead of smallest first. */
  readonly descending: boolean;
}

function sorted(spec: SortNumbersSpec): number[] {
  return [...spec.numbers].sort((a, b) => (spec.descending ? b - a : a - b));
}

/** Sort numbers ascending or descending. Partial credit: fraction of positions right. */
export const sortNumbers: TaskFamily<SortNumbersSpec> = {
  name: 'sort-numbers',
  templates: [
    { text: 'Sort these numbers from smallest to largest: {numbers}.', fixed: { order: 'ascending' } },
    { text: 'Put {numbers} in increasing order.', fixed: { order: 'ascending' } },
    { text: 'Sort these numbers from largest to smallest: {numbers}.', fixed: { order: 'descending' } },
    { text: 'Order the numbers {numbers} from biggest to smallest.', fixed: { order: 'descending' } },
  ],
  slotPatterns: { numbers: '\\d+(?: \\d+)*' },
  sample(random) {
    const pool = Array.from({ length: 100 }, (_, index) => index);
    return { numbers: random.sample(pool, random.range(3, 6)), descending: random.chance(0.5) };
  },
  toSlots: (spec) => ({ numbers: spec.numbers.join(' '), order: spec.descending ? 'descending' : 'ascending' }),
  accepts: (spec, template) => template.fixed?.order === (spec.descending ? 'descending' : 'ascending'),
  fromSlots: (slots) => ({ numbers: slots.numbers!.split(' ').map(Number), descending: slots.order === 'descending' }),
  reference: (spec) => sorted(spec).join(' '),
  judge(spec, answer) {
    const given = integersOf(answer).map(String);
    const inputs = new Set(spec.numbers.map(String));
    // Words besides the numbers are rambling: count them as wrong positions.
    const extraWords = answer.split(/\s+/).filter((word) => word !== '' && !/^\d+[.,]?$/.test(word)).length;
    const padded = [...given, ...Array<string>(extraWords).fill('')];
    return {
      correctness: positionalAccuracy(padded, sorted(spec).map(String)),
      hallucination: given.some((number) => !inputs.has(number)),
    };
  },
  corrupt(spec, kind, random) {
    const answer = sorted(spec);
    switch (kind) {
      case 'partial': {
        const at = random.int(answer.length - 1);
        [answer[at], answer[at + 1]] = [answer[at + 1]!, answer[at]!];
        return answer.join(' ');
      }
      case 'wrong':
        // The opposite order: always wrong, as the numbers are distinct.
        return [...answer].reverse().join(' ');
      case 'hallucinate':
        answer[random.int(answer.length)] = 100 + random.int(900);
        return answer.join(' ');
      case 'violate':
        return `Sure, here are the numbers: ${answer.join(', ')}.`;
    }
  },
};
