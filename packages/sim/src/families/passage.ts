import type { PromptTemplate } from '../task-family';
import type { SeededRandom } from '../seeded-random';
import { ANIMALS, COLORS, FRUITS, JOBS, NAMES, TOWNS } from '../world';
import { wordsOf } from '../text-utils';

/** Facts a passage states about its person. */
export interface PassageFacts {
  /** `<Name> is a <job>.` */
  readonly job?: string;
  /** `<Name> lives in <Town>.` */
  readonly town?: string;
  /** `<Name> has a <color> <animal>.` */
  readonly pet?: { readonly color: string; readonly animal: string };
  /** `<Name> likes the <fruit> best.` */
  readonly fruit?: string;
  /** `<Name> is <age> years old.` (5–90) */
  readonly age?: number;
}

/** What a passage question asks. `why-town` asks for a reason no passage gives. */
export type QuestionKind = 'job' | 'town' | 'pet' | 'color' | 'fruit' | 'age' | 'why-town';

/** Input shared by the passage-qa and unanswerable families. */
export interface PassageSpec {
  /** The person the passage is about. */
  readonly person: string;
  /** Facts in the order the passage states them. */
  readonly facts: PassageFacts;
  /** Order of the fact sentences (keys of `facts`). */
  readonly order: readonly (keyof PassageFacts)[];
  /**
   * The question: what it asks (`kind`), about whom (`subject`, maybe not the passage's
   * person), the town a `why-town` question names, and which wording (`form`) of its kind.
   */
  readonly question: { readonly kind: QuestionKind; readonly subject: string; readonly town?: string; readonly form: number };
}

/** Prompt wordings both passage families use: whether a question is answerable is not announced. */
export const PASSAGE_TEMPLATES: readonly PromptTemplate[] = [
  { text: 'Read the text and answer the question. Text: {passage} Question: {question}' },
  { text: '{passage} Using only the text above, answer: {question}' },
  { text: 'Text: {passage} Question: {question} Answer from the text only.' },
  { text: 'Here is a short text. {passage} {question}' },
];

/** Slot patterns of the passage templates. */
export const PASSAGE_SLOT_PATTERNS = {
  passage: "[A-Z][a-z]+ [^.?]*\\.(?: [A-Z][a-z]+ [^.?]*\\.)*",
  question: "[A-Z][^?]*\\?",
};

const FACT_SENTENCES: Record<keyof PassageFacts, { render: (person: string, facts: PassageFacts) => string; pattern: RegExp }> = {
  job: { render: (person, facts) => `${person} is a ${facts.job}.`, pattern: /\b([A-Z][a-z]+) is a ([a-z]+)\./ },
  town: { render: (person, facts) => `${person} lives in ${facts.town}.`, pattern: /\b([A-Z][a-z]+) lives in ([A-Z][a-z]+)\./ },
  pet: { render: (person, facts) => `${person} has a ${facts.pet!.color} ${facts.pet!.animal}.`, pattern: /\b([A-Z][a-z]+) has a ([a-z]+) ([a-z]+)\./ },
  fruit: { render: (person, facts) => `${person} likes the ${facts.fruit} best.`, pattern: /\b([A-Z][a-z]+) likes the ([a-z]+) best\./ },
  age: { render: (person, facts) => `${person} is ${facts.age} years old.`, pattern: /\b([A-Z][a-z]+) is (\d+) years old\./ },
};

const QUESTION_FORMS: readonly { kind: QuestionKind; render: (subject: string, town?: string) => string; pattern: RegExp }[] = [
  { kind: 'job', render: (subject) => `What is ${subject}'s job?`, pattern: /^What is ([A-Z][a-z]+)'s job\?$/ },
  { kind: 'job', render: (subject) => `What does ${subject} do for work?`, pattern: /^What does ([A-Z][a-z]+) do for work\?$/ },
  { kind: 'town', render: (subject) => `Where does ${subject} live?`, pattern: /^Where does ([A-Z][a-z]+) live\?$/ },
  { kind: 'town', render: (subject) => `In which town does ${subject} live?`, pattern: /^In which town does ([A-Z][a-z]+) live\?$/ },
  { kind: 'pet', render: (subject) => `What pet does ${subject} have?`, pattern: /^What pet does ([A-Z][a-z]+) have\?$/ },
  { kind: 'pet', render: (subject) => `Which animal does ${subject} have?`, pattern: /^Which animal does ([A-Z][a-z]+) have\?$/ },
  { kind: 'color', render: (subject) => `What color is ${subject}'s pet?`, pattern: /^What color is ([A-Z][a-z]+)'s pet\?$/ },
  { kind: 'fruit', render: (subject) => `Which fruit does ${subject} like best?`, pattern: /^Which fruit does ([A-Z][a-z]+) like best\?$/ },
  { kind: 'age', render: (subject) => `How old is ${subject}?`, pattern: /^How old is ([A-Z][a-z]+)\?$/ },
  { kind: 'why-town', render: (subject, town) => `Why does ${subject} live in ${town}?`, pattern: /^Why does ([A-Z][a-z]+) live in ([A-Z][a-z]+)\?$/ },
];

/** Draws 2–4 facts about a random person. */
export function samplePassage(random: SeededRandom): Pick<PassageSpec, 'person' | 'facts' | 'order'> {
  const person = random.pick(NAMES);
  const kinds = random.sample(['job', 'town', 'pet', 'fruit', 'age'] as const, random.range(2, 4));
  const facts: { -readonly [K in keyof PassageFacts]: PassageFacts[K] } = {};
  for (const kind of kinds) {
    if (kind === 'job') facts.job = random.pick(JOBS);
    if (kind === 'town') facts.town = random.pick(TOWNS);
    if (kind === 'pet') facts.pet = { color: random.pick(COLORS), animal: random.pick(ANIMALS) };
    if (kind === 'fruit') facts.fruit = random.pick(FRUITS);
    if (kind === 'age') facts.age = random.range(5, 90);
  }
  return { person, facts, order: kinds };
}

/** The passage text: one sentence per fact. */
export function renderPassage(spec: Pick<PassageSpec, 'person' | 'facts' | 'order'>): string {
  return spec.order.map((kind) => FACT_SENTENCES[kind].render(spec.person, spec.facts)).join(' ');
}

/** Renders a question; `form` picks among the wordings of its kind. */
export function renderQuestion(question: PassageSpec['question']): string {
  const forms = QUESTION_FORMS.filter((form) => form.kind === question.kind);
  return forms[question.form % forms.length]!.render(question.subject, question.town);
}

/** Number of wordings of a question kind. */
export function questionFormCount(kind: QuestionKind): number {
  return QUESTION_FORMS.filter((form) => form.kind === kind).length;
}

/**
 * Reads a passage spec back from template slots. Text that is no fact sentence (a
 * greeting, planted PII) is ignored; facts about a second person make it unreadable.
 */
export function parsePassage(slots: Readonly<Record<string, string>>): PassageSpec | undefined {
  const passage = slots.passage ?? '';
  const facts: { -readonly [K in keyof PassageFacts]: PassageFacts[K] } = {};
  const found: { kind: keyof PassageFacts; at: number }[] = [];
  let person: string | undefined;
  for (const [kind, sentence] of Object.entries(FACT_SENTENCES) as [keyof PassageFacts, (typeof FACT_SENTENCES)[keyof PassageFacts]][]) {
    const match = sentence.pattern.exec(passage);
    if (!match) continue;
    if (person !== undefined && match[1] !== person) return undefined;
    person = match[1]!;
    found.push({ kind, at: match.index });
    if (kind === 'job') facts.job = match[2];
    if (kind === 'town') facts.town = match[2];
    if (kind === 'pet') facts.pet = { color: match[2]!, animal: match[3]! };
    if (kind === 'fruit') facts.fruit = match[2];
    if (kind === 'age') facts.age = Number(match[2]);
  }
  if (person === undefined) return undefined;
  const questionText = slots.question ?? '';
  for (const form of QUESTION_FORMS) {
    const match = form.pattern.exec(questionText);
    if (!match) continue;
    const sameKind = QUESTION_FORMS.filter((other) => other.kind === form.kind);
    return {
      person,
      facts,
      order: found.sort((a, b) => a.at - b.at).map((entry) => entry.kind),
      question: { kind: form.kind, subject: match[1]!, town: match[2], form: sameKind.indexOf(form) },
    };
  }
  return undefined;
}

/** The answer a passage question has, or undefined when the passage does not say. */
export function passageAnswer(spec: PassageSpec): string | undefined {
  const { question, facts } = spec;
  if (question.subject !== spec.person) return undefined;
  switch (question.kind) {
    case 'job':
      return facts.job;
    case 'town':
      return facts.town;
    case 'pet':
      return facts.pet && `a ${facts.pet.color} ${facts.pet.animal}`;
    case 'color':
      return facts.pet?.color;
    case 'fruit':
      return facts.fruit;
    case 'age':
      return facts.age === undefined ? undefined : String(facts.age);
    case 'why-town':
      return undefined;
  }
}

/** Lowercase words the prompt (passage and question) contains. */
export function passageVocabulary(spec: PassageSpec): Set<string> {
  return new Set(wordsOf(`${renderPassage(spec)} ${renderQuestion(spec.question)}`));
}

/** Lowercase words of the question alone. */
export function questionVocabulary(spec: PassageSpec): Set<string> {
  return new Set(wordsOf(renderQuestion(spec.question)));
}

/** An invented fact of the kind the question asks for, absent from the passage. */
export function inventAnswer(spec: PassageSpec, random: SeededRandom): string {
  const known = passageVocabulary(spec);
  const fresh = (pool: readonly string[]): string => random.pick(pool.filter((item) => !known.has(item.toLowerCase())));
  switch (spec.question.kind) {
    case 'job':
      return fresh(JOBS);
    case 'town':
    case 'why-town':
      return fresh(TOWNS);
    case 'pet':
      return `a ${fresh(COLORS)} ${fresh(ANIMALS)}`;
    case 'color':
      return fresh(COLORS);
    case 'fruit':
      return fresh(FRUITS);
    case 'age': {
      let age = random.range(5, 90);
      while (known.has(String(age))) age = random.range(5, 90);
      return String(age);
    }
  }
}
