import type { TaskFamily } from '../task-family';
import { brevityFactor, HONEST_UNKNOWN, wordsOf } from '../text-utils';
import { ENTITY_WORDS } from '../world';
import {
  inventAnswer,
  parsePassage,
  PASSAGE_SLOT_PATTERNS,
  PASSAGE_TEMPLATES,
  passageAnswer,
  passageVocabulary,
  questionFormCount,
  renderPassage,
  renderQuestion,
  samplePassage,
  type PassageFacts,
  type PassageSpec,
  type QuestionKind,
} from './passage';

/** Words in an answer that name a fact (or a number) the prompt does not contain. */
export function inventedWords(answer: string, allowed: ReadonlySet<string>): string[] {
  return wordsOf(answer).filter((word) => (ENTITY_WORDS.has(word) || /^\d+$/.test(word)) && !allowed.has(word));
}

/**
 * Closed-domain QA: answer a question from a short passage. Stating a fact that is
 * not in the passage is a hallucination and scores at most 0.2; "I don't know" to an
 * answerable question earns 0.2.
 */
export const passageQa: TaskFamily<PassageSpec> = {
  name: 'passage-qa',
  templates: PASSAGE_TEMPLATES,
  slotPatterns: PASSAGE_SLOT_PATTERNS,
  sample(random) {
    const passage = samplePassage(random);
    const asked: QuestionKind[] = [];
    for (const kind of passage.order) asked.push(...(kind === 'pet' ? (['pet', 'color'] as const) : [kind as QuestionKind]));
    const kind = random.pick(asked);
    return { ...passage, question: { kind, subject: passage.person, form: random.int(questionFormCount(kind)) } };
  },
  toSlots: (spec) => ({ passage: renderPassage(spec), question: renderQuestion(spec.question) }),
  accepts: () => true,
  fromSlots(slots) {
    const spec = parsePassage(slots);
    return spec && passageAnswer(spec) !== undefined ? spec : undefined;
  },
  reference: (spec) => passageAnswer(spec)!,
  judge(spec, answer) {
    const expected = wordsOf(passageAnswer(spec)!);
    const given = wordsOf(answer);
    const invented = inventedWords(answer, passageVocabulary(spec));
    const key = expected[expected.length - 1]!;
    let base = given.includes(key) ? 1 : HONEST_UNKNOWN.test(answer) ? 0.2 : 0;
    if (invented.length > 0) base = Math.min(base, 0.2) * 0.5;
    return { correctness: base * brevityFactor(given.length, 6), hallucination: invented.length > 0 };
  },
  corrupt(spec, kind, random) {
    const answer = passageAnswer(spec)!;
    switch (kind) {
      case 'partial':
        return `I think that the answer to this question is ${answer}`;
      case 'wrong': {
        const otherFacts = (Object.keys(spec.facts) as (keyof PassageFacts)[])
          .filter((fact) => fact !== spec.question.kind && !(fact === 'pet' && spec.question.kind === 'color'))
          .map((fact) => (fact === 'pet' ? spec.facts.pet!.animal : String(spec.facts[fact])));
        return otherFacts.length > 0 ? random.pick(otherFacts) : "I don't know.";
      }
      case 'hallucinate':
        return inventAnswer(spec, random);
      case 'violate':
        return `${answer}, and ${spec.person} also has a ${inventAnswer({ ...spec, question: { ...spec.question, kind: 'color' } }, random)} hat.`;
    }
  },
};
