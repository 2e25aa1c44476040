import type { TaskFamily } from '../task-family';
import { brevityFactor, integersOf } from '../text-utils';

/** Input of the arithmetic family. */
export interface ArithmeticSpec {
  /** Left operand (0–99). */
  readonly left: number;
  /** Right operand (0–99; at most `left` for `minus`). */
  readonly right: number;
  /** The operation, as the prompt words it. */
  readonly operation: 'plus' | 'minus' | 'times';
}

function result(spec: ArithmeticSpec): number {
  if (spec.operation === 'plus') return spec.left + spec.right;
  if (spec.operation === 'minus') return spec.left - spec.right;
  return spec.left * spec.right;
}

/**
 * Add (0–50 each), subtract (result ≥ 0) or multiply (2–9) integers. Exact: 1;
 * off by d: max(0, 0.6 − 0.1·d) — close answers earn a little.
 */
export const arithmetic: TaskFamily<ArithmeticSpec> = {
  name: 'arithmetic',
  templates: [
    { text: 'What is {left} {operation} {right}?' },
    { text: 'Compute {left} {operation} {right}.' },
    { text: 'Add {left} and {right}.', fixed: { operation: 'plus' } },
    { text: 'Subtract {right} from {left}.', fixed: { operation: 'minus' } },
    { text: 'Multiply {left} by {right}.', fixed: { operation: 'times' } },
  ],
  slotPatterns: { left: '\\d+', right: '\\d+', operation: 'plus|minus|times' },
  sample(random) {
    const operation = random.pick(['plus', 'minus', 'times'] as const);
    if (operation === 'plus') return { left: random.range(0, 50), right: random.range(0, 50), operation };
    if (operation === 'minus') {
      const left = random.range(5, 99);
      return { left, right: random.range(0, left), operation };
    }
    return { left: random.range(2, 9), right: random.range(2, 9), operation };
  },
  toSlots: (spec) => ({ left: String(spec.left), right: String(spec.right), operation: spec.operation }),
  accepts: (spec, template) => template.fixed === undefined || template.fixed.operation === spec.operation,
  fromSlots: (slots) => ({
    left: Number(slots.left),
    right: Number(slots.right),
    operation: slots.operation as ArithmeticSpec['operation'],
  }),
  reference: (spec) => String(result(spec)),
  judge(spec, answer) {
    const numbers = integersOf(answer);
    if (numbers.length === 0) return { correctness: 0 };
    const distance = Math.abs(numbers[0]! - result(spec));
    const base = distance === 0 ? 1 : Math.max(0, 0.6 - 0.1 * distance);
    return { correctness: base * brevityFactor(answer.split(/\s+/).length, 3) };
  },
  corrupt(spec, kind, random) {
    const correct = result(spec);
    switch (kind) {
      case 'partial':
        return String(correct + (random.chance(0.5) ? 1 : -1) * random.range(1, 2));
      case 'wrong': {
        const other = spec.operation === 'plus' ? spec.left - spec.right : spec.left + spec.right;
        return String(other === correct ? correct + 10 : other);
      }
      case 'hallucinate':
        return String(correct + 20 + random.int(50));
      case 'violate':
        return `${spec.left} ${spec.operation} ${spec.right} is ${correct}, which is a nice number to know.`;
    }
  },
};
